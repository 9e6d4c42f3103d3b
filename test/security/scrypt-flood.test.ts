/**
 * A flood of bad client secrets at /oauth2/token, /oauth2/introspect and /oauth2/revoke used to run one
 * scrypt (32 MiB, ~75 ms on the 4-thread libuv pool) per request, known client or not, starving every
 * file operation, sandbox start and sign-in. Now hashing work is budgeted per client address and globally
 * before any scrypt, unknown clients never hash, and a repeated (client, secret) is answered from a short
 * cache. scrypt runs are counted by wrapping `crypto.scrypt` (the named import sees it after
 * `syncBuiltinESMExports`).
 */
import crypto from 'node:crypto'
import { syncBuiltinESMExports } from 'node:module'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startHarness, type Harness } from '../harness.js'
import { InjectBrowser } from './inject-browser.js'

let h: Harness
let token: string
let scryptRuns = 0
const realScrypt = crypto.scrypt

beforeAll(async () => {
  h = await startHarness({ backend: 'fake', workshops: [{ name: 'w', capacity: 5, reserved: 0 }] })
  token = await h.token()
  ;(crypto as { scrypt: unknown }).scrypt = (...args: unknown[]) => {
    scryptRuns++
    return (realScrypt as (...a: unknown[]) => void)(...args)
  }
  syncBuiltinESMExports()
})
afterAll(async () => {
  crypto.scrypt = realScrypt
  syncBuiltinESMExports()
  await h?.close()
})

const ENDPOINTS = ['/oauth2/token', '/oauth2/introspect', '/oauth2/revoke']

it('keeps scrypt runs bounded under a flood of bad client secrets, and sign-in still answers', async () => {
  const r = h.lg.robot
  const started = performance.now()
  const flood: Promise<{ status: number; retryAfter: unknown; body: string }>[] = []
  for (let i = 0; i < 300; i++) {
    // 30 addresses; the robot's real client id with fresh wrong secrets, and unknown client ids
    const from = new InjectBrowser(() => h.lg.app, `203.0.113.${i % 30}`)
    const clientId = i % 3 === 0 ? `unknown-${i}` : r.clientId
    flood.push(
      from
        .postForm(ENDPOINTS[i % 3]!, {
          grant_type: 'client_credentials',
          token: 'x',
          client_id: clientId,
          client_secret: `wrong-${i}`,
        })
        .then((res) => ({ status: res.status, retryAfter: res.headers['retry-after'], body: res.body })),
    )
  }
  // Meanwhile: an admin signs in and the robot requests a session, from their own addresses.
  const admin = new InjectBrowser(() => h.lg.app, '198.51.100.7')
  const signInStarted = performance.now()
  const signIn = admin.submit('/login/', h.lg.generatedAdmin!).then((res) => ({
    status: res.status,
    ms: performance.now() - signInStarted,
  }))
  const requestStarted = performance.now()
  const request = h.lg.app
    .inject({
      url: '/workshops/environment/lab-w01/request/?index_url=https://hub.test/',
      headers: { authorization: `Bearer ${token}` },
      remoteAddress: '198.51.100.8',
    })
    .then((res) => ({ status: res.statusCode, ms: performance.now() - requestStarted }))

  const answers = await Promise.all(flood)
  const [s, q] = await Promise.all([signIn, request])
  const seconds = (performance.now() - started) / 1000
  const refused = answers.filter((a) => a.status === 429)
  console.log(
    `flood: 300 requests in ${seconds.toFixed(2)} s, ${scryptRuns} scrypt runs, ${refused.length} answered 429; ` +
      `sign-in ${s.status} in ${s.ms.toFixed(0)} ms, session request ${q.status} in ${q.ms.toFixed(0)} ms`,
  )

  expect(s.status).toBe(303)
  expect(q.status).toBe(200)
  // At most the global bursts plus their rates over the flood's duration (plus the admin's sign-in).
  expect(scryptRuns).toBeLessThanOrEqual(10 + 5 * seconds + 5)
  expect(refused.length).toBeGreaterThan(0)
  for (const a of refused) {
    expect(Number(a.retryAfter)).toBeGreaterThan(0)
    expect(JSON.parse(a.body)).toMatchObject({ error: 'temporarily_unavailable' })
  }
  for (const a of answers) expect([401, 429]).toContain(a.status)
})

it('answers a repeated bad secret from the cache, without hashing again', async () => {
  await new Promise((done) => setTimeout(done, 3000)) // the address's bucket refills a little
  const from = new InjectBrowser(() => h.lg.app, '192.0.2.99')
  const body = {
    grant_type: 'client_credentials',
    client_id: h.lg.robot.clientId,
    client_secret: 'same-wrong',
  }
  const before = scryptRuns
  for (let i = 0; i < 20; i++) expect((await from.postForm('/oauth2/token', body)).status).toBe(401)
  expect(scryptRuns - before).toBeLessThanOrEqual(1)
})
