/**
 * `labgate audit --data <dir> [--lms <name>] [--kind <kind>] [--since <time>] [--json]`: prints the LMS
 * audit trail, oldest first: one aligned line per record (time, LMS, kind, outcome, user, course, lab, who
 * acted beside the user: a teacher's key or an LMS administrator, reason), or with
 * `--json` one JSON object per line. Safe while `labgate serve` runs on the same directory (SQLite in
 * WAL mode: it reads what was committed when each page is read).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { systemClock } from '../../domain/clock.js'
import { badRequest, notFound } from '../../domain/errors.js'
import { AUDIT_KINDS, type AuditKind } from '../../store/audit-store.js'
import { openStore } from '../../store/open-store.js'
import { AuditLines, auditJsonLine } from './audit-lines.js'
import { parseSince } from './since.js'

export const AUDIT_USAGE = `  labgate audit --data <dir> [--lms <name>] [--kind <kind>] [--since <time|duration>] [--json]`

/** Records read per query, so a long trail is never held in memory at once. */
const PAGE = 1000

/**
 * Runs `audit` with its arguments; resolves to the exit code. Throws bad_request without `--data` or for
 * a bad `--since` or `--kind`, not_found when the directory (or its database) does not exist: it never creates one.
 */
export async function audit(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      lms: { type: 'string' },
      since: { type: 'string' },
      kind: { type: 'string' },
      json: { type: 'boolean' },
    },
  })
  if (!values.data) throw badRequest('audit needs --data <dir> (the directory `labgate serve` uses)')
  const kind = values.kind as AuditKind | undefined
  if (kind !== undefined && !AUDIT_KINDS.includes(kind))
    throw badRequest(`--kind must be one of ${AUDIT_KINDS.join(', ')}`)
  const since = values.since === undefined ? undefined : parseSince(values.since, systemClock.now())
  if (!existsSync(values.data)) throw notFound(`no data directory ${values.data}`)
  const file = join(values.data, 'labgate.db')
  if (!existsSync(file))
    throw notFound(`${values.data} holds no labgate database: labgate serve has not run with this --data`)
  const db = await openStore({ sqlite: file })
  try {
    const lines = new AuditLines()
    let afterId: number | undefined
    let printed = 0
    for (;;) {
      const page = await db.audit.list({ lms: values.lms, kind, since, afterId, limit: PAGE })
      if (page.length === 0) break
      const out = values.json ? page.map(auditJsonLine) : lines.format(page)
      process.stdout.write(out.join('\n') + '\n')
      printed += page.length
      afterId = page.at(-1)!.id
    }
    if (printed === 0 && !values.json) console.error('no audit records match')
    return 0
  } finally {
    await db.close()
  }
}
