/**
 * Property-based fuzzing of the portal's forms: sign-in, sign-up (one-step and anonymous), sign-out and
 * the OAuth consent form, with and without a matching CSRF pair, with arbitrary fields, content types
 * and cookies. Every answer is below 500, a 4xx is a page that says why, and a rejected form writes
 * nothing.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, type Harness, type PortalSpec } from '../harness.js'
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

const CSRF = 'k'.repeat(43)
const ADMIN = { username: 'admin@portal.test', password: 'admin-password-0123456789' }

const field = fc.oneof(
  hostile,
  fc.constantFrom(
    ADMIN.username,
    ADMIN.password,
    'learner',
    'learner@example.test',
    'a-long-enough-password',
    '/',
    '/workshops/session/x/',
    '//evil.test/',
    'https://evil.test/',
    CSRF,
    'approve',
    'deny',
  ),
)
const FIELDS = [
  'username',
  'email',
  'password',
  'confirm',
  'next',
  'csrf',
  'decision',
  'client_id',
  'redirect_uri',
  'scope',
  'response_type',
]
const pairs = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...FIELDS), hostile), field), { maxLength: 8 })
const cookies = fc.constantFrom(
  undefined,
  `labgate_csrf=${CSRF}`,
  `labgate_csrf=${'z'.repeat(43)}`,
  'labgate_csrf=',
  'labgate_csrf=%ZZ',
  `labgate_csrf=${CSRF}; labgate_auth=forged`,
  `labgate_csrf=${CSRF}; labgate_csrf=${'z'.repeat(43)}`,
)

function suite(spec: Partial<PortalSpec>) {
  let h: Harness
  beforeAll(async () => {
    h = await startHarness({ backend: 'fake', admin: ADMIN, workshops: [{ name: 'w' }], ...spec })
    await quiesce(h)
  })
  afterAll(async () => {
    printStatuses(`portal forms ${JSON.stringify(spec)}`)
    await h?.close()
  })

  it('answers any form, with or without a CSRF pair, below 500 and writes nothing on a 4xx', async () => {
    const seen = new Map(seenStatuses)
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(nearValid, anyForm),
        async ({ path, method, fields, cookie, type, raw, site }) => {
          const body = raw ?? fields.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')
          const headers: Record<string, string> = {}
          if (cookie !== undefined) headers.cookie = cookie
          if (type !== undefined) headers['content-type'] = type
          if (site !== undefined) headers['sec-fetch-site'] = site
          await checkRequest(
            h,
            method === 'POST' || method === 'PUT'
              ? { method, url: path, headers, payload: body }
              : { method: method as 'GET', url: `${path}?${body}`, headers },
          )
        },
      ),
      fuzzParams(60),
    )
    await expectHealthy(h)
    // some forms got through (a sign-in, a sign-up or a sign-out redirects with 303)
    expect((seenStatuses.get(303) ?? 0) - (seen.get(303) ?? 0)).toBeGreaterThan(0)
  })
}

/** A form from the generated pieces. */
interface Form {
  path: string
  method: string
  fields: [string, string][]
  cookie: string | undefined
  type: string | undefined
  raw: string | undefined
  site: string | undefined
}

/** Any fields, methods, cookies, content types and raw bodies. */
const anyForm: fc.Arbitrary<Form> = fc.record({
  path: fc.constantFrom('/login/', '/register/', '/logout/', '/oauth2/authorize', '/login', '/register'),
  method: fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'HEAD'),
  fields: fc
    .tuple(fc.boolean(), pairs)
    .map(([withCsrf, p]): [string, string][] => (withCsrf ? [['csrf', CSRF], ...p] : p)),
  cookie: cookies,
  type: fc.oneof({ arbitrary: fc.constant('application/x-www-form-urlencoded'), weight: 4 }, contentType),
  raw: fc.option(hostileBody, { nil: undefined }),
  site: fc.constantFrom(undefined, 'same-origin', 'cross-site'),
})

/** A well-formed sign-in, sign-up or sign-out with a matching CSRF pair, one or two fields replaced. */
const nearValid: fc.Arbitrary<Form> = fc
  .tuple(
    fc.constantFrom('/login/', '/register/', '/logout/'),
    fc.string({
      unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'),
      minLength: 3,
      maxLength: 12,
    }),
    fc.array(fc.tuple(fc.constantFrom(...FIELDS), field), { maxLength: 2 }),
  )
  .map(([path, name, replaced]) => {
    const base: Record<string, string> =
      path === '/login/'
        ? { username: ADMIN.username, password: ADMIN.password, next: '/' }
        : path === '/register/'
          ? {
              username: name,
              email: `${name}@example.test`,
              password: 'a-long-enough-password',
              confirm: 'a-long-enough-password',
            }
          : {}
    const fields = Object.entries({ csrf: CSRF, ...base, ...Object.fromEntries(replaced) })
    return {
      path,
      method: 'POST',
      fields,
      cookie: `labgate_csrf=${CSRF}`,
      type: 'application/x-www-form-urlencoded',
      raw: undefined,
      site: undefined,
    }
  })

describe('one-step registration', () => suite({ registration: { type: 'one-step', enabled: true } }))
describe('anonymous registration', () => suite({ registration: { type: 'anonymous', enabled: true } }))
