/**
 * Property-based fuzzing of each session's web entry under `/sessions/<name>/`: the dashboard, config
 * endpoints, activity, the apps proxy, the dashboard's API and static files, and the sign-in callback,
 * with arbitrary segments, query strings, bodies and cookies (the session's real gateway cookie, the
 * portal's, forged ones). Every answer is below 500, a 4xx says why (or is the config endpoints'
 * documented bare 403), and a rejected request writes nothing.
 */
import { createServer } from 'node:http'
import fc from 'fast-check'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { FakeBackend } from '../../src/backends/fake/index.js'
import { CookieClient, eventually, startHarness, type Harness } from '../harness.js'
import {
  checkRequest,
  contentType,
  enc,
  expectHealthy,
  fuzzParams,
  hostile,
  hostileBody,
  printStatuses,
  quiesce,
  seenStatuses,
} from './fuzz-kit.js'

let h: Harness
let session: string
let other: string
let cookie: string
let configToken: string

/** Requests a session for `user` and signs a browser in to it the way a learner's browser does. */
async function signedIn(user: string, token: string) {
  const r = await fetch(
    `${h.url}/workshops/environment/lab-w01/request/?index_url=https://hub.test/&user=${user}`,
    { headers: { authorization: `Bearer ${token}` } },
  )
  const { name, url } = (await r.json()) as { name: string; url: string }
  const browser = new CookieClient()
  let res = await browser.get(`${h.url}${url}`)
  for (let i = 0; i < 8 && (res.status === 302 || res.status === 303); i++)
    res = await browser.get(new URL(res.headers.get('location')!, h.url).toString())
  expect(res.status).toBe(200)
  await eventually('RUNNING', async () => (await h.lg.deps.store.getSession(name))?.state === 'RUNNING')
  return { name, cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ') }
}

beforeAll(async () => {
  h = await startHarness({
    backend: 'fake',
    workshops: [{ name: 'web', capacity: 10, reserved: 0, expires: '2h' }],
    ingressesFor: { web: [{ name: 'site', port: 8000 }] },
  })
  const token = await h.token()
  ;({ name: session, cookie } = await signedIn('learner', token))
  ;({ name: other } = await signedIn('someone-else', token))
  const config = await h.lg.app.inject({
    url: `/workshops/session/${session}/config/`,
    headers: { authorization: `Bearer ${token}` },
  })
  configToken = (config.json() as { password: string }).password
  // the session's web app: answers every request, so the proxy's own handling is what is fuzzed
  const app = createServer((req, res) => {
    req.resume()
    res.end('ok')
  })
  await (h.lg.deps.backend as FakeBackend).world.listen(session, 8000, app)
  await quiesce(h)
})
afterAll(async () => {
  printStatuses('gateway')
  await h?.close()
})

const name = fc.oneof(
  { arbitrary: fc.constant(null).map(() => session), weight: 4 },
  fc.constant(null).map(() => other),
  fc.constantFrom('lab-w01-s999', 'lab-w01', ''),
  hostile,
)
const segment = fc.oneof(
  fc.constantFrom('kubeconfig', 'ssh', 'site', 'index.html', 'dashboard.js', 'x.md', '01-intro'),
  hostile,
)
const suffix = fc.oneof(
  fc.constant(''),
  segment.map((t) => `config/${enc(t)}`),
  segment.map((t) => `workshop/config/${enc(t)}`),
  fc.constantFrom('session/activity', 'session/activity/'),
  fc
    .tuple(segment, fc.array(segment, { maxLength: 3 }))
    .map(([i, rest]) => `apps/${enc(i)}/${rest.map(enc).join('/')}`),
  fc.constantFrom('_labgate/schedule', '_labgate/extend', '_labgate/terminate'),
  segment.map((f) => `_labgate/static/${enc(f)}`),
  segment.map((p) => `_labgate/instructions/${enc(p)}`),
  fc.constant('_labgate/oauth_callback'),
  segment.map((t) => `terminal/${enc(t)}`),
  fc.array(segment, { minLength: 1, maxLength: 4 }).map((xs) => xs.map(enc).join('/')),
)
const query = fc.array(
  fc.tuple(
    fc.oneof(fc.constantFrom('token', 'code', 'state', 'error', 'next', 'cols', 'rows'), hostile),
    fc.oneof(
      hostile,
      fc.constant(null).map(() => configToken),
    ),
  ),
  { maxLength: 4 },
)
const cookies = fc.oneof(
  fc.constant(undefined),
  { arbitrary: fc.constant(null).map(() => cookie), weight: 5 },
  fc.constantFrom(
    'labgate_session=',
    'labgate_session=%',
    'labgate_session=%00',
    `labgate_session=${'x'.repeat(5000)}`,
    'labgate_auth=x; labgate_session=y',
    'labgate_oauth_state=%ZZ',
  ),
  hostile.map((v) => `labgate_session=${enc(v)}`),
  hostile.map((v) => `labgate_session_state=${enc(v)}; labgate_session=${enc(v)}`),
)

/** GETs of the session's own pages with its cookie, as the property's arguments: each must answer 200. */
const pageRequests = () =>
  ['', 'apps/site/', 'session/activity', '_labgate/schedule'].map(
    (sfx) => ['GET', session, sfx, [], cookie, undefined, undefined, false] as const,
  )

it('answers any session path, query, body and cookie below 500 and writes nothing on a 4xx', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('GET', 'GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS'),
      name,
      suffix,
      query,
      cookies,
      fc.option(hostileBody, { nil: undefined }),
      contentType,
      fc.boolean(),
      async (method, n, sfx, q, c, body, type, xrw) => {
        const qs = q.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')
        const headers: Record<string, string> = {}
        if (c !== undefined) headers.cookie = c
        if (type !== undefined && body !== undefined) headers['content-type'] = type
        // ending the session it fuzzes would leave the rest of the run only 404s
        if (xrw && !(sfx === '_labgate/terminate' && c === cookie)) headers['x-requested-with'] = 'fetch'
        const url = `/sessions/${enc(n)}/${sfx}${qs ? `?${qs}` : ''}`
        await checkRequest(
          h,
          {
            method: method as 'GET',
            url,
            headers,
            ...(body !== undefined && method !== 'GET' && method !== 'HEAD' ? { payload: body } : {}),
          },
          // the config endpoints answer a missing or wrong token with Educates' bare 403
          { bare: (res) => res.statusCode === 403 && res.body === '' && /\/config\//.test(url) },
        )
      },
    ),
    // Requests that must reach a real page run first, every time: a draw of random ones may reach few.
    // Then one found by a draw: a header Node cannot send on to the app (a NUL) once left it waiting.
    {
      ...fuzzParams(300),
      examples: [
        ...pageRequests(),
        ['HEAD', session, 'apps/site/index.html', [], cookie, 'x', 'application/json\u0000', false] as const,
      ],
    },
  )
  await expectHealthy(h)
  // the fuzz was not vacuous: the session's pages answered with its cookie (a broken cookie would 403 all)
  expect(seenStatuses.get(200) ?? 0).toBeGreaterThanOrEqual(pageRequests().length)
  expect((await h.lg.deps.store.getSession(session))?.state).toBe('RUNNING')
  // 300 requests, each between two snapshots of the store: seconds alone, over two minutes once on
  // PostgreSQL beside the rest of the suite; a request that never answers fails at once (checkRequest).
}, 300_000)

it('tells a browser without the session cookie why the gateway refused it', async () => {
  for (const path of ['apps/site/', 'session/activity', '_labgate/schedule']) {
    for (const c of [undefined, 'labgate_session=forged', cookie.replace(/labgate_session=[^;]*/, '')]) {
      const res = await checkRequest(h, {
        url: `/sessions/${session}/${path}`,
        headers: c ? { cookie: c } : {},
      })
      expect(res.statusCode).toBe(403)
      expect(res.body).toBe('Not signed in to this session')
    }
  }
})

it('answers any Host header (host routing on) below 500 and writes nothing on a 4xx', async () => {
  const hd = await startHarness({
    backend: 'fake',
    sessionDomain: 'lab.test',
    workshops: [{ name: 'web', capacity: 4, reserved: 1, expires: '2h' }],
    ingressesFor: { web: [{ name: 'site', port: 8000 }] },
  })
  try {
    await quiesce(hd)
    const reserve = (await hd.lg.deps.store.listSessions({ states: ['WAITING'] }))[0]?.name ?? 'lab-w01-s001'
    const host = fc.oneof(
      fc.constantFrom(`${reserve}.lab.test`, `${reserve.toUpperCase()}.LAB.TEST:8080`, '127.0.0.1', ''),
      fc.tuple(hostile, fc.constantFrom('.lab.test', '.lab.test:1', '', ':99999')).map(([a, b]) => a + b),
    )
    await fc.assert(
      fc.asyncProperty(
        host,
        fc.constantFrom(
          '/',
          '/apps/site/',
          '/config/x',
          '/session/activity',
          '/_labgate/schedule',
          '/x/../..',
        ),
        fc.constantFrom('GET', 'POST', 'HEAD'),
        cookies,
        async (hostHeader, path, method, c) => {
          const headers: Record<string, string> = { host: hostHeader.replace(/[\r\n]/g, '') }
          if (c !== undefined) headers.cookie = c
          await checkRequest(
            hd,
            { method: method as 'GET', url: path, headers },
            { bare: (res) => res.statusCode === 403 && res.body === '' && path.startsWith('/config/') },
          )
        },
      ),
      fuzzParams(150),
    )
    await expectHealthy(hd)
  } finally {
    await hd.close()
  }
})
