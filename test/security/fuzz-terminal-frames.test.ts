/**
 * Property-based fuzzing of the terminal WebSocket protocol against the real server and socket code, on
 * the fake backend's shells: arbitrary text and binary frames (bad JSON, wrong types, huge, negative and
 * non-finite sizes, oversized input), and arbitrary upgrade requests. The server never crashes; a socket
 * either ignores a frame or closes with one of the protocol's codes and a reason; well-formed frames never
 * close it; resizes stay within bounds; another terminal of the session keeps working throughout.
 */
import fc from 'fast-check'
import WebSocket from 'ws'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { CLOSE, MAX_INPUT_BYTES, MAX_SIZE } from '../../src/terminals/protocol.js'
import { openTerminal, type TestTerminal } from '../../src/terminals/testing.js'
import { CookieClient, eventually, startHarness, type Harness } from '../harness.js'
import { enc, expectHealthy, fuzzParams, hostile, quiesce } from './fuzz-kit.js'

let h: Harness
let session: string
let cookie: string
let witness: TestTerminal

const wsUrl = (path: string) => `${h.url.replace('http', 'ws')}${path}`

beforeAll(async () => {
  h = await startHarness({
    backend: 'fake',
    workshops: [{ name: 'w', capacity: 4, reserved: 0, expires: '2h' }],
  })
  const r = await fetch(
    `${h.url}/workshops/environment/lab-w01/request/?index_url=https://hub.test/&user=learner`,
    { headers: { authorization: `Bearer ${await h.token()}` } },
  )
  const { name, url } = (await r.json()) as { name: string; url: string }
  session = name
  const browser = new CookieClient()
  let res = await browser.get(`${h.url}${url}`)
  for (let i = 0; i < 8 && (res.status === 302 || res.status === 303); i++)
    res = await browser.get(new URL(res.headers.get('location')!, h.url).toString())
  expect(res.status).toBe(200)
  await eventually('RUNNING', async () => (await h.lg.deps.store.getSession(name))?.state === 'RUNNING')
  cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  await quiesce(h)
  witness = await openTerminal(wsUrl(`/sessions/${session}/terminal/witness`), { cookie })
  await witness.waitFor(/\$ /)
})
afterAll(async () => {
  witness?.ws.close()
  await h?.close()
})

/** The witness terminal still answers: another terminal's fuzzing did not reach it. */
async function witnessAnswers() {
  const from = witness.output().length
  witness.type('stty size\r')
  await witness.waitFor(/\d+ \d+\r\n/, { from, timeoutMs: 5000 })
}

/** Input text that never ends the fake shell (`exit`). */
const input = fc
  .oneof(
    fc.string({ maxLength: 50 }),
    fc.string({ unit: 'binary', maxLength: 50 }),
    fc.constantFrom('\u0000', '\u001b[6n', '\u0003', '\r', 'ls\r'),
  )
  .filter((s) => !/exit/i.test(s))

const number = fc.oneof(
  fc.integer({ min: -2_147_483_648, max: 2_147_483_647 }),
  fc.double(),
  fc.constantFrom(0, -1, 1, 0.5, 1e308, -1e308, 65_535, 65_536, 2 ** 53, Number.MAX_SAFE_INTEGER),
)

/** Frames the protocol defines, with any values their types allow. */
const wellFormed = fc.oneof(
  input.map((d) => JSON.stringify({ t: 'i', d })),
  fc
    .tuple(number, number)
    .filter(([c, r]) => Number.isFinite(c) && Number.isFinite(r))
    .map(([c, r]) => JSON.stringify({ t: 'r', c, r })),
  fc.constant(JSON.stringify({ t: 'p' })),
  fc
    .string({ maxLength: 10 })
    .filter((t) => !['i', 'r', 'p'].includes(t))
    .map((t) => JSON.stringify({ t, extra: [1, 2] })), // unknown types: ignored
)

/** A frame on the wire: text or binary. */
interface Frame {
  data: string | Buffer
  binary: boolean
}

/** Anything a client might send. */
const anyFrame: fc.Arbitrary<Frame> = fc.oneof(
  wellFormed.map((data) => ({ data, binary: false })),
  fc
    .oneof(
      fc.json(),
      fc.string({ maxLength: 100 }),
      hostile,
      fc.constantFrom(
        '{"t":"r","c":"80","r":"24"}',
        '{"t":"r","c":null,"r":24}',
        '{"t":"r","c":1e999,"r":1}',
        '{"t":"r"}',
        '{"t":"i"}',
        '{"t":"i","d":1}',
        '{"t":"i","d":["a"]}',
        '{"t":1}',
        '{"t":null}',
        '[]',
        'null',
        '{"__proto__":{"t":"i"}}',
        '{"t":"i","d":"a","t":"r"}',
        JSON.stringify({ t: 'i', d: 'x'.repeat(MAX_INPUT_BYTES + 1) }),
        JSON.stringify({ t: 'i', d: '\u00e9'.repeat(MAX_INPUT_BYTES / 2 + 1) }),
      ),
    )
    .map((data) => ({ data, binary: false })),
  fc.uint8Array({ maxLength: 64 }).map((a) => ({ data: Buffer.from(a), binary: true })),
  fc.constant(null).map(() => ({ data: Buffer.from(JSON.stringify({ t: 'p' })), binary: true })),
)

const CODES: number[] = [1000, ...Object.values(CLOSE)]

/**
 * Sends `frames` on a new socket of terminal `fuzz`, then a ping. Resolves `open` when the pong came
 * back (every frame was taken), or the close code and reason when the server closed the socket.
 */
async function sendAll(frames: Frame[]) {
  const t = await openTerminal(wsUrl(`/sessions/${session}/terminal/fuzz`), { cookie })
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    t.ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  )
  const pongs = t.controls.length
  for (const f of frames) if (t.ws.readyState === WebSocket.OPEN) t.ws.send(f.data, { binary: f.binary })
  if (t.ws.readyState === WebSocket.OPEN) t.ws.send(JSON.stringify({ t: 'p' }))
  const pong = eventually('pong', async () => t.controls.slice(pongs).some((c) => c.t === 'p'), 10_000).then(
    () => 'open' as const,
  )
  const outcome = await Promise.race([pong, closed])
  if (outcome === 'open') {
    t.ws.close()
    await closed
  }
  return outcome
}

it('keeps a socket open for any sequence of well-formed frames, and sizes in bounds', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(wellFormed, { maxLength: 12 }), async (texts) => {
      const outcome = await sendAll(texts.map((data) => ({ data, binary: false })))
      expect(outcome, texts.join(' ').slice(0, 300)).toBe('open')
    }),
    fuzzParams(40),
  )
  // the last resize of any run was clamped: the shell's size is within 1..MAX_SIZE
  const t = await openTerminal(wsUrl(`/sessions/${session}/terminal/fuzz`), { cookie })
  t.send({ t: 'r', c: 1e300, r: -5 })
  const from = t.output().length
  t.type('\rstty size\r')
  const [, rows, cols] = (await t.waitFor(/(\d+) (\d+)\r\n/, { from }))!
  expect([Number(rows), Number(cols)]).toEqual([1, MAX_SIZE.cols])
  t.ws.close()
  await witnessAnswers()
})

it('ignores or closes with a protocol code and reason on any frames; the server and others go on', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(anyFrame, { minLength: 1, maxLength: 8 }), async (frames) => {
      const outcome = await sendAll(frames)
      if (outcome !== 'open') {
        const what = `${outcome.code} ${outcome.reason}`
        expect(CODES, what).toContain(outcome.code)
        if (outcome.code !== 1000) expect(outcome.reason, what).not.toBe('')
      }
    }),
    fuzzParams(60),
  )
  await witnessAnswers()
  await expectHealthy(h)
})

it('refuses any malformed upgrade with a 4xx and never opens a foreign terminal', async () => {
  const segment = fc.oneof(
    fc.constant(null).map(() => session),
    fc.constantFrom('lab-w01-s999', '', '..', 'witness', 'a'.repeat(300)),
    hostile,
  )
  await fc.assert(
    fc.asyncProperty(
      segment,
      segment,
      fc.array(fc.tuple(fc.constantFrom('cols', 'rows', 'x'), fc.oneof(hostile, number.map(String))), {
        maxLength: 3,
      }),
      fc.constantFrom(undefined, 'forged', 'good'),
      fc.constantFrom(undefined, 'http://evil.test', 'null', '%', 'http://127.0.0.1'),
      async (s, id, q, who, origin) => {
        const qs = q.map(([k, v]) => `${k}=${enc(v)}`).join('&')
        const headers: Record<string, string> = {}
        if (who === 'good') headers.cookie = cookie
        if (who === 'forged') headers.cookie = 'labgate_session=forged'
        if (origin !== undefined) headers.origin = origin
        const url = wsUrl(`/sessions/${enc(s)}/terminal/${enc(id)}${qs ? `?${qs}` : ''}`)
        const result = await new Promise<number | 'open'>((resolve) => {
          const ws = new WebSocket(url, { headers })
          ws.once('open', () => {
            ws.close()
            resolve('open')
          })
          ws.once('unexpected-response', (_req, res) => {
            resolve(res.statusCode ?? 0)
            ws.terminate()
          })
          ws.once('error', () => resolve(-1))
        })
        if (result === 'open') {
          expect(who).toBe('good')
          expect(s).toBe(session)
        } else {
          expect(result, url.slice(0, 300)).toBeGreaterThanOrEqual(400)
          expect(result, url.slice(0, 300)).toBeLessThan(500)
        }
      },
    ),
    fuzzParams(60),
  )
  await witnessAnswers()
  await expectHealthy(h)
})
