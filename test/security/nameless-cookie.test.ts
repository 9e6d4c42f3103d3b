/**
 * The gateway drops an app's `Set-Cookie` for labgate's own cookies. A nameless cookie
 * (`=labgate_csrf=<token>`) slipped past a filter that split on the first `=`: browsers send it back as
 * `labgate_csrf=<token>`, which pre-seeds the portal's CSRF double-submit token or shadows `labgate_auth`.
 * Nameless cookies, and any whose trimmed name is empty, starts with `labgate` or holds `=`, are dropped.
 */
import { createServer } from 'node:http'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { FakeBackend } from '../../src/backends/fake/index.js'
import { AppProxy } from '../../src/gateway/app-proxy.js'
import { appRoutes } from '../../src/gateway/app-routes.js'
import { requestSession, startGatewayApp, type GatewayApp } from '../gateway-app.js'
import { eventually, startHarness, type Harness } from '../harness.js'

const TOKEN = 'a'.repeat(43)
const ATTEMPTS = [
  `=labgate_csrf=${TOKEN}; Path=/`,
  ` =labgate_auth=forged; Path=/login/`,
  `labgate_csrf; Path=/`,
  `  labgate_session=x; Path=/`,
  `LabGate_auth=x; Path=/`,
  `labgate=x; Path=/`,
]

let h: Harness
let g: GatewayApp
let proxy: AppProxy
let name: string
let cookie: string

beforeAll(async () => {
  h = await startHarness({
    backend: 'fake',
    admin: { username: 'admin@lab', password: 'admin-password-123456' },
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
      res.writeHead(200, { 'content-type': 'text/plain', 'set-cookie': [...ATTEMPTS, 'theme=dark; Path=/'] })
      res.end('ok')
    }),
  )
  cookie = await g.cookieFor('learner', name)
}, 60_000)

afterAll(async () => {
  await proxy?.close()
  await g?.close()
  await h?.close()
})

it("never lets an app set a cookie that a browser would send back under a labgate cookie's name", async () => {
  const owner = await fetch(`${g.url}/sessions/${name}/apps/site/`, { headers: { cookie } })
  expect(owner.status).toBe(200)
  expect(owner.headers.getSetCookie()).toEqual(['theme=dark; Path=/'])
  const staff = await fetch(`${g.url}/sessions/${name}/apps/site/`, {
    headers: { authorization: `Bearer ${await h.passwordToken('admin@lab', 'admin-password-123456')}` },
  })
  expect(staff.status).toBe(200)
  expect(staff.headers.getSetCookie()).toEqual(['theme=dark; Path=/'])
})
