/**
 * The app routes and proxy over the fake backend: which session, port and path a request reaches, what the
 * app and the browser are told, and the refusals. No sandboxes: the apps are servers of this test that the
 * fake backend's `connect` stands in front of (`app-proxy.test.ts` runs the same path into real sandboxes).
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requestSession, startGatewayApp, type GatewayApp } from '../../test/gateway-app.js'
import { eventually, startHarness, type Harness } from '../../test/harness.js'
import type { FakeBackend } from '../backends/fake/index.js'
import type { Session } from '../store/rows.js'
import { AppProxy, nothingListening } from './app-proxy.js'
import { appRoutes, appUpgradeHandler } from './app-routes.js'

let h: Harness
let g: GatewayApp
let proxy: AppProxy
let backend: FakeBackend
const sessions: Record<'a' | 'b', { name: string; row: Session; cookie: string }> = {} as never

/** An app that tells what it got: method, path, headers, body size, and which session's app it is. */
function echoApp(label: string): Server {
  const server = createServer((req, res) => {
    let received = 0
    req.on('data', (chunk: Buffer) => (received += chunk.length))
    req.on('end', () => {
      const body = JSON.stringify({
        label,
        method: req.method,
        path: req.url,
        received,
        headers: req.headers,
      })
      res.writeHead(200, {
        'content-type': 'application/json',
        'set-cookie': ['labgate_auth=forged; Path=/', 'app=1; Path=/'],
      })
      res.end(body)
    })
  })
  server.on('upgrade', (_req: IncomingMessage, socket: Duplex) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n')
    socket.on('data', (d: Buffer) => socket.write(`${label}:${d.toString().toUpperCase()}`))
    socket.on('end', () => socket.end())
  })
  return server
}

beforeAll(async () => {
  h = await startHarness({
    backend: 'fake',
    workshops: [{ name: 'web', reserved: 0 }],
    ingressesFor: {
      web: [
        { name: 'site', port: 8000 },
        { name: 'idle', port: 8001 },
      ],
    },
  })
  backend = h.lg.deps.backend as FakeBackend
  proxy = new AppProxy({ backend, maxBodyBytes: 1024 * 1024, log: () => {} })
  g = await startGatewayApp(h, (app, ctx) => {
    appRoutes(app, ctx, proxy)
    app.server.on('upgrade', appUpgradeHandler(ctx, proxy))
  })
  for (const key of ['a', 'b'] as const) {
    const name = await requestSession(h, 'lab-w01', `learner-${key}`)
    const row = await eventually('the sandbox', async () => {
      const s = await h.lg.deps.store.getSession(name)
      return s?.handle && s.state === 'RUNNING' ? s : null
    })
    await backend.world.listen(name, 8000, echoApp(`app-of-${key}`))
    sessions[key] = { name, row, cookie: await g.cookieFor(`learner-${key}`, name) }
  }
}, 60_000)

afterAll(async () => {
  await proxy?.close()
  await g?.close()
  await h?.close()
})

const app = (
  key: 'a' | 'b',
  ingress: string,
  path: string,
  init: RequestInit & { headers?: Record<string, string> } = {},
) =>
  fetch(`${g.url}/sessions/${sessions[key].name}/apps/${ingress}${path}`, {
    redirect: 'manual',
    ...init,
    headers: { cookie: sessions[key].cookie, ...init.headers },
  })

describe('app routes over the fake backend', () => {
  it("reaches the session's own app on the ingress's port, prefix stripped, query kept", async () => {
    const seen = (await (await app('a', 'site', '/x/y?z=1&w')).json()) as { label: string; path: string }
    expect(seen).toMatchObject({ label: 'app-of-a', path: '/x/y?z=1&w' })
    const other = (await (await app('b', 'site', '/')).json()) as { label: string }
    expect(other.label).toBe('app-of-b')
  })

  it('redirects the bare app URL to its slashed form', async () => {
    const bare = await app('a', 'site', '?q=1')
    expect(bare.status).toBe(301)
    expect(bare.headers.get('location')).toBe(`/sessions/${sessions.a.name}/apps/site/?q=1`)
  })

  it("hides labgate's credentials from the app and keeps the app from setting labgate cookies", async () => {
    const res = await app('a', 'site', '/', { headers: { cookie: `${sessions.a.cookie}; theme=dark` } })
    const seen = (await res.json()) as { headers: Record<string, string> }
    expect(seen.headers.cookie).toBe('theme=dark')
    expect(seen.headers).toMatchObject({
      host: 'localhost:8000',
      'x-forwarded-prefix': `/sessions/${sessions.a.name}/apps/site`,
    })
    expect(res.headers.getSetCookie()).toEqual(['app=1; Path=/'])
  })

  it('streams bodies up to the cap and refuses larger ones with 413', async () => {
    const ok = await app('a', 'site', '/up', { method: 'POST', body: Buffer.alloc(300 * 1024) })
    expect(((await ok.json()) as { received: number }).received).toBe(300 * 1024)
    const big = await app('a', 'site', '/up', { method: 'PUT', body: Buffer.alloc(2 * 1024 * 1024) })
    expect(big.status).toBe(413)
  })

  it("refuses another learner's cookie, and a workshop's unknown ingress", async () => {
    expect((await app('a', 'site', '/', { headers: { cookie: sessions.b.cookie } })).status).toBe(403)
    const missing = await app('a', 'nope', '/')
    expect(missing.status).toBe(404)
    expect(await missing.text()).toBe('This workshop has no web app named "nope"')
  })

  it('answers 502 where nothing listens in the session, even when the port listens in another', async () => {
    await backend.world.listen(sessions.b.name, 8001, echoApp('idle-of-b'))
    const closed = await app('a', 'idle', '/')
    expect(closed.status).toBe(502)
    expect(await closed.text()).toBe(nothingListening(8001))
  })

  it('proxies WebSocket upgrades to the right session, and refuses cross-origin ones', async () => {
    const upgrade = (key: 'a' | 'b', headers: Record<string, string> = {}) =>
      new Promise<string | number>((resolve, reject) => {
        const req = httpRequest(`${g.url}/sessions/${sessions[key].name}/apps/site/ws`, {
          headers: { connection: 'Upgrade', upgrade: 'websocket', cookie: sessions[key].cookie, ...headers },
        })
        req.on('upgrade', (_res, socket) => {
          socket.once('data', (d: Buffer) => {
            socket.destroy()
            resolve(d.toString())
          })
          socket.write('ping')
        })
        req.on('response', (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        })
        req.on('error', reject)
        req.end()
      })
    expect(await upgrade('a', { origin: g.url })).toBe('app-of-a:PING')
    expect(await upgrade('b')).toBe('app-of-b:PING')
    expect(await upgrade('a', { origin: 'https://evil.example' })).toBe(403)
  })

  it('says 503 once the sandbox is gone, and 502 for a session of another backend', async () => {
    const row = { ...sessions.a.row }
    await expect(proxy.upstream({ ...row, handle: null }, 8000)).rejects.toMatchObject({ status: 503 })
    await expect(
      proxy.upstream({ ...row, backend: 'local', handle: { backend: 'local', session: row.name } }, 8000),
    ).rejects.toMatchObject({
      status: 502,
      message: 'Web apps in sessions are not available with the local backend',
    })
    const gone = await requestSession(h, 'lab-w01', 'learner-gone')
    const goneRow = await eventually('the sandbox', async () => {
      const s = await h.lg.deps.store.getSession(gone)
      return s?.handle && s.state === 'RUNNING' ? s : null
    })
    backend.kill(goneRow.handle!)
    await expect(proxy.upstream(goneRow, 8000)).rejects.toMatchObject({
      status: 503,
      message: "This session's sandbox is not running",
    })
  })
})
