import type { AuditRecord } from '../../store/audit-store.js'
import type { AdminDeps } from './admin-deps.js'
import { auditQuery, type AuditSearch } from './audit-search.js'

/** The CSV export's columns, in order. */
export const AUDIT_CSV_COLUMNS = [
  'id',
  'at',
  'lms',
  'kind',
  'user',
  'course',
  'lab',
  'outcome',
  'reason',
  'data',
]
/** Most records one export holds (newest first); a narrower filter gets older ones. */
export const AUDIT_CSV_MAX = 100_000
const BATCH = 1000

/**
 * One CSV cell (RFC 4180): quoted when it holds a quote, comma or line break, quotes doubled. A value a
 * spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is
 * prefixed with `'`, so that opening the export never runs what an LMS or a user put in a field.
 */
export function csvCell(value: string | number | null): string {
  let s = value === null ? '' : String(value)
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** One record as a CSV line (with its CRLF). */
export function csvLine(r: AuditRecord): string {
  const cells = [
    r.id,
    new Date(r.at).toISOString(),
    r.lms,
    r.kind,
    r.userId,
    r.course,
    r.lab,
    r.outcome,
    r.reason,
    JSON.stringify(r.data),
  ]
  return `${cells.map(csvCell).join(',')}\r\n`
}

/**
 * The export of the records `search` matches, newest first, as CSV text in chunks (the header first):
 * read a thousand records at a time, at most {@link AUDIT_CSV_MAX}.
 */
export async function* auditCsv(a: Pick<AdminDeps, 'audit'>, search: AuditSearch): AsyncGenerator<string> {
  yield `${AUDIT_CSV_COLUMNS.join(',')}\r\n`
  let before = search.before
  let sent = 0
  while (sent < AUDIT_CSV_MAX) {
    const rows = await a.audit.list(
      auditQuery({ ...search, ...(before ? { before } : {}) }, Math.min(BATCH, AUDIT_CSV_MAX - sent)),
    )
    if (rows.length === 0) return
    yield rows.map(csvLine).join('')
    sent += rows.length
    before = rows[rows.length - 1]!.id
    if (rows.length < BATCH) return
  }
}
