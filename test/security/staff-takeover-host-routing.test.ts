/**
 * The staff takeover under host routing: learner A's web app, opened by staff through the path form on
 * the portal's host, would run on the portal's origin with the staff member's sign-in, and from there open
 * a shell in learner B's session over a WebSocket whose Origin equals its Host. The path form of
 * dashboards and apps is only served on the session's own host, and terminal and app WebSockets only
 * accept a page of the session's own host.
 */
import { createServer, request, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FakeBackend } from '../../src/backends/fake/index.js'
import { requestSession } from '../gateway-app.js'
import { eventually, startHarness, type Harness } from '../harness.js'

const DOMAIN = 'lab.test'
const ADMIN = { username: 'admin@lab', password: 'admin-password-123456' }
const EVIL = "<script>new WebSocket('ws://portal/sessions/B/terminal/x')</script>"

let h: Harness
let portalHost: string
let staffCookie: string
let A: string
let B: string

/** Signs in at the portal's form like a browser; returns the `labgate_auth` cookie pair. */
async function signIn(base: string, user: { username: string; password: string }): Promise<string> {
  const form = await fetch(`${base}/login/`)
  const csrf = form.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .find((c) => c.startsWith('labgate_csrf='))!
  const res = await fetch(`${base}/login/`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: csrf, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...user, csrf: csrf.slice('labgate_csrf='.length) }),
  })
  const auth = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .find((c) => c.startsWith('labgate_auth='))
  if (!auth) throw new Error(`sign-in failed: ${res.status}`)
  return auth
}

/** A GET to the harness with `host` as the Host header (no DNS needed). */
function get(path: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const u = new URL(h.url)
      const req = request({ host: u.hostname, port: u.port, path, headers }, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (body += c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      })
      req.on('error', reject)
      req.end()
    },
  )
}

/** A WebSocket handshake; resolves with 101 when it switched protocols, else the refusal's status. */
function upgrade(path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(h.url)
    const req = request({
      host: u.hostname,
      port: u.port,
      path,
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        ...headers,
      },
    })
    req.on('upgrade', (res, socket) => {
      socket.destroy()
      resolve(res.statusCode ?? 0)
    })
    req.on('response', (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('error', reject)
    req.end()
  })
}

function learnerApp(): Server {
  return createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' })
    res.end(EVIL)
  })
}

beforeAll(async () => {
  h = await startHarness({
    backend: 'fake',
    sessionDomain: DOMAIN,
    admin: ADMIN,
    workshops: [{ name: 'web', reserved: 0 }],
    ingressesFor: { web: [{ name: 'site', port: 8000 }] },
  })
  portalHost = new URL(h.url).host
  const backend = h.lg.deps.backend as FakeBackend
  const running = async (name: string) =>
    eventually('the sandbox', async () => {
      const s = await h.lg.deps.store.getSession(name)
      return s?.handle && s.state === 'RUNNING' ? s : null
    })
  A = await requestSession(h, 'lab-w01', 'learner-a')
  B = await requestSession(h, 'lab-w01', 'learner-b')
  await running(A)
  await running(B)
  await backend.world.listen(A, 8000, learnerApp())
  staffCookie = await signIn(h.url, ADMIN)
}, 60_000)

afterAll(async () => h?.close())

const sessionHost = (name: string) => `${name}.${DOMAIN}:${new URL(h.url).port}`

describe('staff on the portal host under host routing', () => {
  it("never get a learner's app on the portal's origin: they are sent to the session's own host", async () => {
    const res = await get(`/sessions/${A}/apps/site/page?x=1`, { host: portalHost, cookie: staffCookie })
    expect(res.body).not.toContain(EVIL)
    expect(res.status).toBe(302)
    expect(res.headers.location).toBe(`http://${sessionHost(A)}/apps/site/page?x=1`)
  })

  it("never get a learner's dashboard (which frames its apps) on the portal's origin", async () => {
    const res = await get(`/sessions/${A}/`, { host: portalHost, cookie: staffCookie })
    expect(res.status).toBe(302)
    expect(res.headers.location).toBe(`http://${sessionHost(A)}/`)
  })

  it("still reach the app on the session's own host, where it cannot use the portal's sign-in", async () => {
    const res = await get('/apps/site/', { host: sessionHost(A), cookie: staffCookie })
    expect(res.status).toBe(200)
    expect(res.body).toBe(EVIL)
  })
})

describe("WebSockets into another learner's session", () => {
  it('refuse a terminal of B opened by a page of the portal host', async () => {
    const path = `/sessions/${B}/terminal/x`
    expect(
      await upgrade(path, { host: portalHost, origin: `http://${portalHost}`, cookie: staffCookie }),
    ).toBe(403)
  })

  it("refuse a terminal of B opened by a page of A's host", async () => {
    const path = `/sessions/${B}/terminal/x`
    const origin = `http://${sessionHost(A)}`
    expect(await upgrade(path, { host: portalHost, origin, cookie: staffCookie })).toBe(403)
    expect(await upgrade('/terminal/x', { host: sessionHost(B), origin, cookie: staffCookie })).toBe(403)
  })

  it("refuse B's app opened by a page of the portal host", async () => {
    const origin = `http://${portalHost}`
    expect(
      await upgrade(`/sessions/${B}/apps/site/`, { host: portalHost, origin, cookie: staffCookie }),
    ).toBe(403)
  })

  it("accept B's terminal from B's own page on B's host (the control)", async () => {
    const own = `http://${sessionHost(B)}`
    expect(await upgrade('/terminal/x', { host: sessionHost(B), origin: own, cookie: staffCookie })).toBe(101)
  })
})
