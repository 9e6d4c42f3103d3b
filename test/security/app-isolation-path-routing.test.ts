/**
 * Under path routing every session's web apps share the portal's origin. A learner's page there must run
 * as an opaque origin (a CSP `sandbox` without `allow-same-origin`) for everyone who opens it, its owner
 * included: otherwise its scripts read and write the portal's storage and cookies, register workers, and
 * call the portal with the sign-in of whoever uses the browser next. Every kind of app response is
 * covered: pages, errors, redirects, and an app's own attempt at a looser policy.
 */
import { createServer } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FakeBackend } from '../../src/backends/fake/index.js'
import { AppProxy } from '../../src/gateway/app-proxy.js'
import { appRoutes } from '../../src/gateway/app-routes.js'
import { requestSession, startGatewayApp, type GatewayApp } from '../gateway-app.js'
import { eventually, startHarness, type Harness } from '../harness.js'

const ADMIN = { username: 'admin@lab', password: 'admin-password-123456' }

let h: Harness
let g: GatewayApp
let proxy: AppProxy
let name: string
let owner: Record<string, string>
let staff: Record<string, string>

beforeAll(async () => {
  h = await startHarness({
    backend: 'fake',
    admin: ADMIN,
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
    createServer((req, res) => {
      if (req.url === '/missing') return res.writeHead(404, { 'content-type': 'text/html' }).end('<p>no')
      if (req.url === '/go') return res.writeHead(302, { location: '/page' }).end()
      if (req.url === '/loose') {
        return res
          .writeHead(200, {
            'content-type': 'text/html',
            'content-security-policy': 'sandbox allow-scripts allow-same-origin',
          })
          .end('<script>localStorage.x=1</script>')
      }
      res.writeHead(200, { 'content-type': 'text/html' }).end('<script>fetch("/logout/")</script>')
    }),
  )
  owner = { cookie: await g.cookieFor('learner', name) }
  staff = { authorization: `Bearer ${await h.passwordToken(ADMIN.username, ADMIN.password)}` }
}, 60_000)

afterAll(async () => {
  await proxy?.close()
  await g?.close()
  await h?.close()
})

/** The CSP policies of a response, one entry per policy (several headers or comma-separated ones). */
function policies(res: Response): string[] {
  return (res.headers.get('content-security-policy') ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
}

/** True when at least one enforced policy sandboxes the page without giving it back its origin. */
const opaque = (res: Response) =>
  policies(res).some((p) => /^sandbox(\s|$)/.test(p) && !/allow-same-origin/.test(p))

describe('web apps under path routing', () => {
  for (const [who, headers] of [
    ['the owner', () => owner],
    ['staff', () => staff],
  ] as const) {
    it(`serve every response to ${who} as an opaque origin`, async () => {
      for (const path of ['/', '/page?x=1', '/missing', '/go', '/loose']) {
        const res = await fetch(`${g.url}/sessions/${name}/apps/site${path}`, {
          redirect: 'manual',
          headers: headers(),
        })
        expect([200, 302, 404]).toContain(res.status)
        expect({ path, opaque: opaque(res) }).toEqual({ path, opaque: true })
      }
    })
  }
})
