/**
 * Property-based fuzzing of the authorization server: authorize (GET, and POST as the consent form),
 * token (every grant type and garbage), introspect, revoke, userinfo, discovery and JWKS, with real and
 * forged clients, tokens, codes and cookies. Every answer is below 500, a 4xx says why (an OAuth
 * `error_description`, a page, or a `WWW-Authenticate` challenge), and a rejected request writes nothing.
 */
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { GrantManager } from '../../src/auth/grant-manager.js'
import { randomToken } from '../../src/auth/secrets.js'
import { buildUser } from '../../src/auth/testing.js'
import { systemClock } from '../../src/domain/clock.js'
import { PORTAL_CLIENT_ID } from '../../src/main/auth-setup.js'
import { registerOAuthClient, TOKEN_EXCHANGE_GRANT } from '../../src/oauth/clients.js'
import { startHarness, type Harness } from '../harness.js'
import {
  checkRequest,
  contentType,
  enc,
  expectHealthy,
  fuzzParams,
  hostile,
  printStatuses,
  quiesce,
  seenStatuses,
} from './fuzz-kit.js'

const REDIRECT = 'http://127.0.0.1:9/callback'
const CSRF = 'c'.repeat(43)

let h: Harness
let cookie: string
const clients: { id: string; secret: string }[] = []
const tokens: string[] = []
const codes: string[] = []
const verifier = randomToken(32)
const challenge = createHash('sha256').update(verifier).digest('base64url')

beforeAll(async () => {
  h = await startHarness({ backend: 'fake', workshops: [{ name: 'w' }] })
  const deps = { auth: h.lg.db.auth, clock: systemClock }
  const web = await registerOAuthClient(deps, {
    name: 'Web app',
    confidential: true,
    redirectUris: [REDIRECT],
    scopes: ['openid', 'profile', 'email'],
  })
  const spa = await registerOAuthClient(deps, {
    name: 'SPA',
    confidential: false,
    redirectUris: [REDIRECT],
    scopes: ['openid', 'profile', 'email'],
  })
  const service = await registerOAuthClient(deps, {
    name: 'Service',
    confidential: true,
    grantTypes: ['client_credentials', TOKEN_EXCHANGE_GRANT],
    scopes: ['reports'],
  })
  clients.push(
    { id: web.clientId, secret: web.clientSecret! },
    { id: spa.clientId, secret: '' },
    { id: service.clientId, secret: service.clientSecret! },
    { id: h.lg.robot.clientId, secret: h.lg.robot.clientSecret! },
  )
  const robot = await h.lg.app.inject({
    method: 'POST',
    url: '/oauth2/token/',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({
      grant_type: 'password',
      username: h.lg.robot.username,
      password: h.lg.robot.password!,
      client_id: h.lg.robot.clientId,
      client_secret: h.lg.robot.clientSecret!,
    }).toString(),
  })
  expect(robot.statusCode).toBe(200)
  const t = robot.json() as { access_token: string; refresh_token: string }
  tokens.push(t.access_token, t.refresh_token)

  // A signed-in browser: a token of the portal's own client, as the portal's sign-in makes.
  const key = Buffer.from((await h.lg.deps.store.getSetting('server.key'))!, 'base64')
  const grants = new GrantManager({ auth: h.lg.db.auth, clock: systemClock, secret: key })
  const userId = await buildUser(h.lg.db.auth, { username: 'ada' })
  const signIn = await grants.openSignIn({
    userId,
    clientId: PORTAL_CLIENT_ID,
    authnEvent: { method: 'test' },
    expiresIn: 3600,
  })
  const { grant } = await grants.addGrant(signIn, { scope: ['portal'], expiresIn: 3600 })
  cookie = (await grants.mintToken(grant.id, 'access_token', { expiresIn: 3600 })).value
  tokens.push(cookie)

  // Codes issued through consent, for the token endpoint's authorization_code grant.
  for (const c of [web, spa]) {
    const approved = await h.lg.app.inject({
      method: 'POST',
      url: '/oauth2/authorize',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: `labgate_auth=${cookie}; labgate_csrf=${CSRF}`,
      },
      payload: new URLSearchParams({
        csrf: CSRF,
        decision: 'approve',
        response_type: 'code',
        client_id: c.clientId,
        redirect_uri: REDIRECT,
        scope: 'openid profile',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }).toString(),
    })
    expect(approved.statusCode).toBe(303)
    codes.push(new URL(approved.headers.location as string).searchParams.get('code')!)
  }
  await quiesce(h)
})
afterAll(async () => {
  printStatuses('oauth')
  await h?.close()
})

/** An OAuth 401 may carry its reason in `WWW-Authenticate` alone. */
const bare = (res: { statusCode: number; headers: Record<string, unknown> }) =>
  res.statusCode === 401 && res.headers['www-authenticate'] !== undefined

const client = fc.oneof(
  fc.integer({ min: 0, max: 3 }).map((i) => clients[i]!),
  fc.record({ id: hostile, secret: hostile }),
  fc.integer({ min: 0, max: 3 }).chain((i) => hostile.map((secret) => ({ id: clients[i]!.id, secret }))),
)
const token = fc.oneof(
  fc.integer({ min: 0, max: 2 }).map((i) => tokens[i]!),
  hostile,
  fc.integer({ min: 0, max: 2 }).map((i) => `${tokens[i]!}x`),
)
const value = fc.oneof(
  hostile,
  fc.constantFrom(REDIRECT, 'openid', 'openid profile email', 'reports', 'S256', 'plain', 'code', 'token'),
  fc.constant(null).map(() => verifier),
  fc.constant(null).map(() => challenge),
)
const grantType = fc.oneof(
  fc.constantFrom(
    'password',
    'refresh_token',
    'authorization_code',
    'client_credentials',
    TOKEN_EXCHANGE_GRANT,
    'implicit',
    'urn:ietf:params:oauth:grant-type:jwt-bearer',
  ),
  hostile,
)

/** A form body from pairs; keys may repeat. */
const form = (pairs: [string, string][]) => pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')

/** Client authentication: Basic, in the body, both, or none. */
const clientAuth = fc.tuple(client, fc.constantFrom('basic', 'post', 'both', 'none', 'broken'))

const authPairs = ([c, how]: [{ id: string; secret: string }, string]) => {
  const headers: Record<string, string> = {}
  const pairs: [string, string][] = []
  if (how === 'basic' || how === 'both')
    headers.authorization = `Basic ${Buffer.from(`${c.id}:${c.secret}`).toString('base64')}`
  if (how === 'broken') headers.authorization = `Basic ${c.id}`
  if (how === 'post' || how === 'both') pairs.push(['client_id', c.id], ['client_secret', c.secret])
  return { headers, pairs }
}

it('token endpoint: any grant, client and parameters answer below 500 and write nothing on a 4xx', async () => {
  const params = fc.array(
    fc.tuple(
      fc.constantFrom(
        'username',
        'password',
        'refresh_token',
        'code',
        'redirect_uri',
        'code_verifier',
        'scope',
        'subject_token',
        'subject_token_type',
        'resource',
        'audience',
        'grant_type',
      ),
      fc.oneof(value, token, fc.constantFrom(...codes)),
    ),
    { maxLength: 7 },
  )
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('/oauth2/token', '/oauth2/token/'),
      fc.option(grantType, { nil: undefined }),
      params,
      clientAuth,
      contentType,
      async (path, grant, extra, auth, type) => {
        const a = authPairs(auth)
        const pairs: [string, string][] = [
          ...(grant === undefined ? [] : ([['grant_type', grant]] as [string, string][])),
          ...extra,
          ...a.pairs,
        ]
        await checkRequest(
          h,
          {
            method: 'POST',
            url: path,
            headers: { ...a.headers, 'content-type': type ?? 'application/x-www-form-urlencoded' },
            payload: form(pairs),
          },
          { bare },
        )
      },
    ),
    fuzzParams(200),
  )
  await expectHealthy(h)
})

it('authorize and consent: any parameters, cookies and CSRF pairs answer below 500', async () => {
  const params = fc.array(
    fc.tuple(
      fc.constantFrom(
        'response_type',
        'client_id',
        'redirect_uri',
        'scope',
        'state',
        'nonce',
        'code_challenge',
        'code_challenge_method',
        'decision',
        'csrf',
        'prompt',
        'next',
      ),
      fc.oneof(value, fc.constantFrom(...clients.map((c) => c.id), 'approve', 'deny', CSRF)),
    ),
    { maxLength: 9 },
  )
  const cookies = fc.constantFrom(
    '',
    `labgate_auth=${cookie}`,
    `labgate_auth=${cookie}; labgate_csrf=${CSRF}`,
    `labgate_csrf=${CSRF}`,
    'labgate_auth=%; labgate_csrf=%',
    `labgate_auth=${cookie}x; labgate_csrf=${'d'.repeat(43)}`,
  )
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('GET', 'POST', 'HEAD', 'PUT'),
      params,
      cookies,
      fc.boolean(),
      async (method, pairs, cookieHeader, crossSite) => {
        const body = form(pairs)
        const headers: Record<string, string> = {}
        if (cookieHeader) headers.cookie = cookieHeader
        if (crossSite) headers['sec-fetch-site'] = 'cross-site'
        const req =
          method === 'POST'
            ? {
                method,
                url: '/oauth2/authorize',
                headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
                payload: body,
              }
            : { method: method as 'GET', url: `/oauth2/authorize?${body}`, headers }
        await checkRequest(h, req, { bare })
      },
    ),
    fuzzParams(200),
  )
  await expectHealthy(h)
})

it('introspect, revoke, userinfo, discovery and JWKS answer below 500 and write nothing on a 4xx', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(
        '/oauth2/introspect',
        '/oauth2/revoke',
        '/oauth2/revoke-token/',
        '/oauth2/revoke-token',
        '/oauth2/userinfo',
        '/.well-known/openid-configuration',
        '/.well-known/oauth-authorization-server',
        '/oauth2/jwks',
      ),
      fc.constantFrom('GET', 'POST', 'HEAD', 'DELETE'),
      fc.array(
        fc.tuple(fc.constantFrom('token', 'token_type_hint', 'client_id', 'x'), fc.oneof(token, value)),
        {
          maxLength: 4,
        },
      ),
      clientAuth,
      fc.option(token, { nil: undefined }),
      contentType,
      async (path, method, pairs, auth, bearer, type) => {
        const a = authPairs(auth)
        const headers: Record<string, string> = { ...a.headers }
        if (bearer !== undefined && (path.endsWith('userinfo') || !headers.authorization))
          headers.authorization = `Bearer ${bearer}`
        const body = form([...pairs, ...a.pairs])
        const req =
          method === 'GET' || method === 'HEAD'
            ? { method: method as 'GET', url: `${path}?${body}`, headers }
            : {
                method: method as 'POST',
                url: path,
                headers: { ...headers, 'content-type': type ?? 'application/x-www-form-urlencoded' },
                payload: body,
              }
        await checkRequest(h, req, { bare })
      },
    ),
    fuzzParams(200),
  )
  await expectHealthy(h)
})

it('authorize and consent: near-valid requests (one or two parameters replaced) answer below 500', async () => {
  const replaced = fc.array(
    fc.tuple(
      fc.constantFrom(
        'response_type',
        'client_id',
        'redirect_uri',
        'scope',
        'state',
        'nonce',
        'code_challenge',
        'code_challenge_method',
        'decision',
        'csrf',
      ),
      value,
    ),
    { maxLength: 2 },
  )
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 1 }),
      replaced,
      fc.constantFrom('GET', 'POST'),
      async (i, changes, method) => {
        const params: Record<string, string> = {
          response_type: 'code',
          client_id: clients[i]!.id,
          redirect_uri: REDIRECT,
          scope: 'openid profile',
          state: 's',
          code_challenge: challenge,
          code_challenge_method: 'S256',
          ...(method === 'POST' ? { csrf: CSRF, decision: 'approve' } : {}),
          ...Object.fromEntries(changes),
        }
        const body = form(Object.entries(params))
        const headers = { cookie: `labgate_auth=${cookie}; labgate_csrf=${CSRF}` }
        await checkRequest(
          h,
          method === 'POST'
            ? {
                method,
                url: '/oauth2/authorize',
                headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
                payload: body,
              }
            : { method: 'GET', url: `/oauth2/authorize?${body}`, headers },
          { bare },
        )
      },
    ),
    fuzzParams(60),
  )
  await expectHealthy(h)
  expect(seenStatuses.get(303) ?? 0).toBeGreaterThan(0)
})
