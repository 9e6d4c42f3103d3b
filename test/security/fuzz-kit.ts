/**
 * Shared pieces of the property-based fuzz suites (`fuzz-*.test.ts`): run bounds and seed, arbitraries
 * for hostile strings and bodies, a snapshot of every table of the store, and the checks every generated
 * HTTP request must pass (no 5xx, a readable 4xx, a rejected request leaves the store as it was).
 *
 * Reproduce a failure with the seed fast-check prints: `FUZZ_SEED=<seed> npx vitest run <file>`.
 * `FUZZ_RUNS=<n>` scales every property's run count (default 1: the counts written in the suites).
 */
import { createHash } from 'node:crypto'
import { sql } from 'kysely'
import fc from 'fast-check'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { expect, vi } from 'vitest'
import type { OpenStore } from '../../src/store/open-store.js'
import { sqlOf } from '../../src/store/kysely/testing.js'
import type { Harness } from '../harness.js'

/** `FUZZ_RUNS`: the factor every property's run count is scaled by. */
const RUN_SCALE = Math.max(1, Number(process.env.FUZZ_RUNS ?? 1))

// A property scaled up needs the time to match; one that timed out would go on sending requests in the
// background and fail the next test's store checks.
vi.setConfig({ testTimeout: 30_000 * RUN_SCALE })

/** fast-check parameters for a property: `runs` scaled by `FUZZ_RUNS`, and `FUZZ_SEED` when set. */
export function fuzzParams(runs: number): fc.Parameters<unknown> {
  const scale = Number(process.env.FUZZ_RUNS ?? 1)
  const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED)
  return {
    numRuns: Math.max(1, Math.round(runs * scale)),
    ...(seed === undefined ? {} : { seed }),
    endOnFailure: true, // shrinking replays requests against a store that moved on; the first case is clearer
  }
}

/** Strings an attacker would try in a path segment, query value or form field. */
export const hostile: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '.',
    '..',
    '%2e%2e%2f',
    '%00',
    '\u0000',
    '%ZZ',
    '%',
    '💥',
    '\ud800',
    '<script>alert(1)</script>',
    "' or 1=1 --",
    '-1',
    '0',
    '1e309',
    'NaN',
    'Infinity',
    '9007199254740993',
    'null',
    'undefined',
    '__proto__',
    'constructor',
    'A'.repeat(300),
    'A'.repeat(5000),
    'javascript:alert(1)',
    'http://',
    'https://evil.test/',
    '//evil.test',
    '\r\nX-Injected: 1',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
)

/** A string made safe for a URL path segment or query value (percent-encoded; lone surrogates replaced). */
export const enc = (s: string): string =>
  encodeURIComponent(
    s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'),
  )

/** Request bodies: empty, malformed and deep JSON, forms, binary, NULs, unicode, near the body limit. */
export const hostileBody: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    '{',
    'null',
    '[]',
    '0',
    '"x"',
    '{"__proto__":{"polluted":1}}',
    '{"constructor":{"prototype":{"polluted":1}}}',
    '{"parameters":[{"name":1}]}',
    '{"parameters":{"name":"x"}}',
    '{"parameters":[{"name":"x","value":{"a":1}}]}',
    '{"event":{"name":"x","data":{}}}',
    '{"event":null}',
    '{"name":"' + 'x'.repeat(1000) + '"}',
    '{"parameters":' + '['.repeat(5000) + ']'.repeat(5000) + '}',
    'grant_type=password&username=x',
    'a=1&a=2&a=3',
    '%ZZ=%ZZ',
    '\u0000\u0001\u0002',
    '\ufeff{}',
    'x'.repeat(70 * 1024), // above the 64 KiB body limit
  ),
  fc.json({ maxDepth: 3 }),
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 100 }),
)

/** Content types a client might (wrongly) send. */
export const contentType: fc.Arbitrary<string | undefined> = fc.constantFrom(
  undefined,
  'application/json',
  'application/json; charset=latin1',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'text/plain',
  'application/octet-stream',
  '',
  '*/*',
  'application/json\u0000',
)

/** A snapshot of the store: per table, its row count and a hash of its rows. */
export type StoreSnapshot = Record<string, string>

/**
 * Columns left out of snapshots: the activity tracker writes a session's activity and view times (and so
 * its row version) in batches every 5 s, in the background, for requests accepted earlier; on
 * PostgreSQL, a replica's heartbeat renews its own row and the reconciler's lease every 2 s.
 */
const BACKGROUND_COLUMNS: Record<string, readonly string[]> = {
  sessions: ['last_activity_at', 'last_view_at', 'version'],
  replicas: ['heartbeat_at'],
  leases: ['expires_at'],
}

/**
 * Snapshots every table of `stores` (SQLite or PostgreSQL): `<rows>:<sha256 of the rows, sorted>` (rows
 * are sorted so that PostgreSQL's unordered scans compare equal). Tables in `exclude` are left out (name
 * them in the suite, with why).
 */
export async function snapshot(stores: OpenStore, exclude: readonly string[] = []): Promise<StoreSnapshot> {
  const db = sqlOf(stores)
  const tables = (await db.introspection.getTables({ withInternalKyselyTables: true }))
    .map((t) => t.name)
    .sort()
  const out: StoreSnapshot = {}
  for (const name of tables) {
    if (exclude.includes(name)) continue
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db)
    for (const row of rows.rows) for (const c of BACKGROUND_COLUMNS[name] ?? []) delete row[c]
    const lines = rows.rows.map((r) => JSON.stringify(r)).sort()
    const hash = createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16)
    out[name] = `${rows.rows.length}:${hash}`
  }
  return out
}

/** Waits until the store stops changing (background writes of an accepted request landed). */
export async function settle(stores: OpenStore, exclude: readonly string[] = []): Promise<void> {
  let last = await snapshot(stores, exclude)
  for (let i = 0; i < 60; i++) {
    await new Promise((r) => setTimeout(r, 25))
    const now = await snapshot(stores, exclude)
    if (JSON.stringify(now) === JSON.stringify(last)) return
    last = now
  }
}

/** The documented 503 of Educates' API when no session can be had (capacity), not a fault. */
const noSession = (res: LightMyRequestResponse) =>
  res.statusCode === 503 && res.body === '{"error":"No session available"}'

/** Whether a 4xx answer says what was wrong: a JSON message, an OAuth description, text or an HTML page. */
export function readableMessage(res: LightMyRequestResponse): string {
  const type = String(res.headers['content-type'] ?? '')
  if (type.startsWith('application/json')) {
    const b = JSON.parse(res.body) as Record<string, unknown>
    const m = b.error_description ?? b.message ?? b.error ?? b.detail
    return typeof m === 'string' ? m : ''
  }
  if (type.startsWith('text/html'))
    return res.body
      .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/g, '')
      .replace(/<[^>]*>/g, '')
      .trim()
  return res.body.trim()
}

export interface CheckOptions {
  /** Tables that change on a rejected request by design. */
  exclude?: readonly string[]
  /**
   * Whether this answer may have an empty body (Educates' bare 403 for a missing or bad token, an OAuth
   * 401 whose reason is in `WWW-Authenticate`).
   */
  bare?: (res: LightMyRequestResponse) => boolean
}

/**
 * Sends `req` through `h`'s app in-process and checks it: no 5xx (but Educates' "No session available"),
 * no stack trace in the body, a 4xx with a readable message, and for a 4xx no change to any table.
 * Returns the response for further checks.
 */
export async function checkRequest(
  h: Harness,
  req: InjectOptions,
  o: CheckOptions = {},
): Promise<LightMyRequestResponse> {
  const exclude = o.exclude ?? []
  const before = await snapshot(h.lg.db, exclude)
  const res = await answerWithin(h.lg.app.inject(req), req)
  seenStatuses.set(res.statusCode, (seenStatuses.get(res.statusCode) ?? 0) + 1)
  const what = `${req.method ?? 'GET'} ${String(req.url).slice(0, 200)} → ${res.statusCode} ${res.body.slice(0, 200)}`
  if (res.statusCode >= 500 && !noSession(res)) expect.fail(`5xx: ${what}`)
  expect(res.body, what).not.toMatch(/\n\s+at .+:\d+:\d+/)
  if (res.statusCode >= 400 && res.statusCode < 500) {
    if (req.method !== 'HEAD' && !(o.bare?.(res) ?? false))
      expect(readableMessage(res), `no message: ${what}`).not.toBe('')
    expect(await snapshot(h.lg.db, exclude), `store changed: ${what}`).toEqual(before)
  } else {
    await settle(h.lg.db, exclude)
  }
  return res
}

/** How long one fuzzed request may take to be answered before it counts as hanging. */
const ANSWER_WITHIN_MS = 20_000

/** `answer`, or a failure naming the request when it has not come within {@link ANSWER_WITHIN_MS}. */
async function answerWithin(
  answer: Promise<LightMyRequestResponse>,
  req: InjectOptions,
): Promise<LightMyRequestResponse> {
  let timer: NodeJS.Timeout | undefined
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `no answer within ${ANSWER_WITHIN_MS / 1000} s: ${req.method ?? 'GET'} ${String(req.url).slice(0, 300)} ` +
              `headers ${JSON.stringify(req.headers ?? {}).slice(0, 300)}`,
          ),
        ),
      ANSWER_WITHIN_MS,
    )
  })
  try {
    return await Promise.race([answer, hang])
  } finally {
    clearTimeout(timer)
  }
}

/** Statuses answered so far in this file (how far the runs got past routing and authentication). */
export const seenStatuses = new Map<number, number>()

/** Prints `seenStatuses` when `FUZZ_STATS` is set. */
export function printStatuses(label: string): void {
  if (process.env.FUZZ_STATS) console.log(label, JSON.stringify(Object.fromEntries(seenStatuses)))
}

/**
 * Stops `h`'s reconciler and waits for the store to settle: no background pass may write while a request
 * is checked, or its write would look like the request's.
 */
export async function quiesce(h: Harness): Promise<void> {
  await h.lg.reconciler.stop()
  await settle(h.lg.db)
}

/** `/healthz` answers 200. */
export async function expectHealthy(h: Harness): Promise<void> {
  const res = await h.lg.app.inject({ method: 'GET', url: '/healthz' })
  expect(res.statusCode).toBe(200)
}
