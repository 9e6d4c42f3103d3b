/**
 * Property-based fuzzing of the Educates REST API: catalog, environment request, session operations and
 * a user's sessions, with the robot's token and with garbage tokens, arbitrary names, query strings and
 * bodies. Every answer is below 500 (but Educates' documented "No session available"), a 4xx says why,
 * a rejected request leaves every table as it was, and the process stays healthy.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startHarness, type Harness } from '../harness.js'
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
let token: string
let session: string

beforeAll(async () => {
  h = await startHarness({
    backend: 'fake',
    workshops: [
      {
        name: 'w',
        capacity: 400,
        reserved: 1,
        parameters: [
          { name: 'p', value: 'default' },
          { name: 'g', generate: '[A-Z0-9]{8}' },
        ],
      },
    ],
  })
  token = await h.token()
  const res = await h.lg.app.inject({
    url: '/workshops/environment/lab-w01/request/?index_url=https://hub.test/&user=fuzz-owner',
    headers: { authorization: `Bearer ${token}` },
  })
  expect(res.statusCode).toBe(200)
  session = (res.json() as { name: string }).name
  await quiesce(h)
})
afterAll(async () => {
  printStatuses('educates api')
  await h?.close()
})

const SESSION_OPS = [
  'activate',
  'extend',
  'terminate',
  'schedule',
  'event',
  'config',
  'authorize',
  'status',
  '',
]
const QUERY_KEYS = [
  'index_url',
  'user',
  'email',
  'first_name',
  'last_name',
  'firstname',
  'lastname',
  'timeout',
  'session',
  'analytics_url',
  'redirect_url',
  'token',
  'sessions',
  'state',
  'name',
  'labels[x]',
  'labels[',
]

const name = fc.oneof(fc.constantFrom('lab-w01', 'lab-w02', 'w'), fc.constant(null), hostile)
const query = fc.array(
  fc.tuple(fc.oneof(fc.constantFrom(...QUERY_KEYS), hostile), fc.oneof(hostile, fc.webUrl())),
  { maxLength: 6 },
)

const path = fc.oneof(
  fc.tuple(fc.constantFrom('environments', 'workshops'), fc.boolean()).map(([k, slash]) => {
    return `/workshops/catalog/${k}${slash ? '/' : ''}`
  }),
  fc
    .tuple(name, fc.constantFrom('request', 'status'))
    .map(([env, op]) => `/workshops/environment/${enc(env ?? 'lab-w01')}/${op}/`),
  fc
    .tuple(fc.constantFrom('/workshops/session', '/session'), name, fc.constantFrom(...SESSION_OPS), hostile)
    .map(([p, n, op, junk]) => `${p}/${enc(n ?? session)}/${op || enc(junk)}/`),
  fc
    .tuple(fc.oneof(hostile, fc.constantFrom('fuzz-owner')))
    .map(([u]) => `/workshops/user/${enc(u)}/sessions/`),
)

const request = fc.record({
  method: fc.constantFrom('GET', 'GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD'),
  path,
  query,
  body: fc.option(hostileBody, { nil: undefined }),
  type: contentType,
  host: fc.option(fc.oneof(fc.constantFrom('localhost', '127.0.0.1:1', '[::1]', 'a:b:c', ':'), hostile), {
    nil: undefined,
    freq: 4,
  }),
})

type Generated = typeof request extends fc.Arbitrary<infer T> ? T : never

const build = (r: Generated, authorization: string | undefined) => {
  const qs = r.query.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')
  const headers: Record<string, string> = {}
  if (authorization !== undefined) headers.authorization = authorization
  if (r.type !== undefined && r.body !== undefined) headers['content-type'] = r.type
  if (r.host !== undefined) headers.host = r.host.replace(/[\r\n]/g, '')
  return {
    method: r.method as 'GET',
    url: qs ? `${r.path}?${qs}` : r.path,
    headers,
    ...(r.body !== undefined && r.method !== 'HEAD' ? { payload: r.body } : {}),
  }
}

it('answers any request with the robot token below 500, readably, without writing on a 4xx', async () => {
  await fc.assert(
    fc.asyncProperty(request, async (r) => {
      await checkRequest(h, build(r, `Bearer ${token}`))
    }),
    fuzzParams(250),
  )
  await expectHealthy(h)
  // the runs reached the handlers, not only the router's 404 and the auth check
  expect(seenStatuses.get(200) ?? 0).toBeGreaterThan(5)
  expect(seenStatuses.get(400) ?? 0).toBeGreaterThan(0)
})

it('answers garbage tokens with a 403 and writes nothing', async () => {
  const garbage = fc.oneof(
    fc.constant(undefined),
    hostile.map((s) => `Bearer ${s}`),
    fc.constantFrom('Bearer', 'Basic Og==', 'bearer  ', `Bearer ${'x'.repeat(9000)}`),
    fc.constant(null).map(() => `Bearer ${token}x`),
    fc.constant(null).map(() => `Bearer ${token.slice(0, -2)}`),
    fc.constant(null).map(() => `Basic ${Buffer.from(`${h.lg.robot.clientId}:x`).toString('base64')}`),
  )
  await fc.assert(
    fc.asyncProperty(request, garbage, async (r, auth) => {
      const req = build(r, auth)
      // activation is by its single-use token, not the bearer
      const res = await checkRequest(h, req, { bare: (x) => x.statusCode === 403 && x.body === '' })
      if (!/\/activate\//.test(r.path))
        expect(res.statusCode, `${req.method} ${req.url}`).toBeGreaterThanOrEqual(300)
    }),
    fuzzParams(200),
  )
  await expectHealthy(h)
})

it('answers near-valid session requests (a good index URL, other values hostile) below 500', async () => {
  const KEYS = ['user', 'email', 'first_name', 'last_name', 'firstname', 'lastname', 'timeout', 'session']
  const bodies = fc.oneof(
    fc.constant(undefined),
    fc
      .array(
        fc.record({
          name: fc.oneof(fc.constantFrom('p', 'g', 'x'), hostile),
          value: fc.oneof(hostile, fc.jsonValue()),
        }),
        {
          maxLength: 3,
        },
      )
      .map((parameters) => JSON.stringify({ parameters })),
    hostileBody,
  )
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.tuple(fc.constantFrom(...KEYS, 'analytics_url', 'index_url'), fc.oneof(hostile, fc.webUrl())),
        {
          minLength: 1,
          maxLength: 4,
        },
      ),
      bodies,
      fc.constantFrom('GET', 'POST'),
      async (pairs, body, method) => {
        const qs = [['index_url', 'https://hub.test/'], ...pairs].map(([k, v]) => `${k}=${enc(v!)}`).join('&')
        await checkRequest(h, {
          method: method as 'GET',
          url: `/workshops/environment/lab-w01/request/?${qs}`,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          ...(body !== undefined ? { payload: body } : {}),
        })
      },
    ),
    fuzzParams(60),
  )
  await expectHealthy(h)
})
