/** The OAuth 2.0 / OpenID Connect authorization server end to end, with plain `fetch` as the client. */
import { createHash } from 'node:crypto'
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GrantManager } from '../../src/auth/grant-manager.js'
import { randomToken } from '../../src/auth/secrets.js'
import { buildUser } from '../../src/auth/testing.js'
import { systemClock } from '../../src/domain/clock.js'
import { disableOAuthClient, registerOAuthClient } from '../../src/oauth/clients.js'
import { sqlOf } from '../../src/store/kysely/testing.js'
import { SigningKeys } from '../../src/oauth/signing-keys.js'
import { PORTAL_CLIENT_ID } from '../../src/main/auth-setup.js'
import { startHarness, type Harness } from '../harness.js'

const REDIRECT = 'http://127.0.0.1:9/callback'
const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
const AT_TYPE = 'urn:ietf:params:oauth:token-type:access_token'

let h: Harness
let serverKey: Buffer
/** A confidential web app (code, refresh), a public SPA (code, refresh), a service, a resource server. */
let web: { clientId: string; clientSecret: string }
let spa: { clientId: string }
let service: { clientId: string; clientSecret: string }
let api: { clientId: string; clientSecret: string }
let cookie: string

const post = (
  path: string,
  params: Record<string, string | string[]>,
  headers: Record<string, string> = {},
) => {
  const body = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) for (const x of [v].flat()) body.append(k, x)
  return fetch(`${h.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: body.toString(),
  })
}
const basic = (id: string, secret: string) => ({
  authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
})
const json = async (res: Response) => (await res.json()) as Record<string, unknown>

/** Signs a browser in the way the portal's sign-in does (a token of the portal's own client). */
async function browserCookie(userId: string): Promise<string> {
  const grants = new GrantManager({ auth: h.lg.db.auth, clock: systemClock, secret: serverKey })
  const key = await grants.openSignIn({
    userId,
    clientId: PORTAL_CLIENT_ID,
    authnEvent: { method: 'test' },
    expiresIn: 3600,
  })
  const { grant } = await grants.addGrant(key, { scope: ['portal'], expiresIn: 3600 })
  return (await grants.mintToken(grant.id, 'access_token', { expiresIn: 3600 })).value
}

const pkce = () => {
  const verifier = randomToken(32)
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') }
}

const authorizeUrl = (p: Record<string, string>) =>
  `${h.url}/oauth2/authorize?${new URLSearchParams({ response_type: 'code', redirect_uri: REDIRECT, ...p })}`

/** Drives the authorization endpoint as the signed-in browser, approving consent when asked. */
async function authorize(p: Record<string, string>): Promise<{ location: URL; consentShown: boolean }> {
  const res = await fetch(authorizeUrl(p), {
    redirect: 'manual',
    headers: { cookie: `labgate_auth=${cookie}` },
  })
  if (res.status === 303) return { location: new URL(res.headers.get('location')!), consentShown: false }
  expect(res.status).toBe(200)
  const page = await res.text()
  const fields: Record<string, string> = {}
  for (const m of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)" \/>/g))
    fields[m[1]!] = m[2]!
      .replace(/&amp;/g, '&')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
  const csrf = /labgate_csrf=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')![1]!
  const approved = await post(
    '/oauth2/authorize',
    { ...fields, decision: 'approve' },
    { cookie: `labgate_auth=${cookie}; labgate_csrf=${csrf}` },
  )
  expect(approved.status).toBe(303)
  return { location: new URL(approved.headers.get('location')!), consentShown: true }
}

/** A code for the SPA (public, PKCE) or the web app (confidential). */
async function codeFor(
  clientId: string,
  scope = 'openid profile email',
  extra: Record<string, string> = {},
): Promise<{ code: string; verifier: string }> {
  const { verifier, challenge } = pkce()
  const { location } = await authorize({
    client_id: clientId,
    scope,
    state: 'st-1',
    nonce: 'n-1',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  })
  expect(location.searchParams.get('state')).toBe('st-1')
  return { code: location.searchParams.get('code')!, verifier }
}

const redeem = (
  code: string,
  verifier: string,
  clientId = spa.clientId,
  extra: Record<string, string> = {},
) =>
  post('/oauth2/token', {
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    redirect_uri: REDIRECT,
    client_id: clientId,
    ...extra,
  })

/** Introspects as `as`: a confidential client with Basic, a public one (empty secret) with its id only. */
const introspect = async (token: string, as = service) =>
  json(
    as.clientSecret
      ? await post('/oauth2/introspect', { token }, basic(as.clientId, as.clientSecret))
      : await post('/oauth2/introspect', { token, client_id: as.clientId }),
  )

beforeAll(async () => {
  h = await startHarness({ backend: 'fake', workshops: [{ name: 'w' }] })
  serverKey = Buffer.from((await h.lg.deps.store.getSetting('server.key'))!, 'base64')
  const deps = { auth: h.lg.db.auth, clock: systemClock }
  web = (await registerOAuthClient(deps, {
    name: 'Web app',
    confidential: true,
    redirectUris: [REDIRECT],
    scopes: ['openid', 'profile', 'email'],
  })) as typeof web
  spa = await registerOAuthClient(deps, {
    name: 'SPA <script>',
    confidential: false,
    redirectUris: [REDIRECT],
    scopes: ['openid', 'profile', 'email'],
  })
  service = (await registerOAuthClient(deps, {
    name: 'Service',
    confidential: true,
    grantTypes: ['client_credentials', EXCHANGE],
    scopes: ['reports'],
  })) as typeof service
  api = (await registerOAuthClient(deps, {
    name: 'Resource server',
    confidential: true,
    grantTypes: ['client_credentials'],
    scopes: [],
  })) as typeof api
  const userId = await buildUser(h.lg.db.auth, { username: 'ada' })
  await sqlOf(h.lg.db)
    .updateTable('users')
    .set({ email: 'ada@example.test', first_name: 'Ada', last_name: 'Lovelace' })
    .where('id', '=', userId)
    .execute()
  cookie = await browserCookie(userId)
})
afterAll(async () => h?.close())

describe('discovery and keys', () => {
  it('publishes RFC 8414 and OIDC metadata with the portal URL as issuer', async () => {
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
      const doc = await json(await fetch(`${h.url}${path}`))
      expect(doc).toMatchObject({
        issuer: h.url,
        authorization_endpoint: `${h.url}/oauth2/authorize`,
        token_endpoint: `${h.url}/oauth2/token`,
        jwks_uri: `${h.url}/oauth2/jwks`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      })
      expect(doc.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'email']))
      expect(doc.grant_types_supported).toEqual(
        expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials', EXCHANGE]),
      )
    }
  })

  it('serves public keys only, with kids', async () => {
    const jwks = await json(await fetch(`${h.url}/oauth2/jwks`))
    const keys = jwks.keys as Record<string, unknown>[]
    expect(keys.length).toBeGreaterThan(0)
    for (const k of keys) {
      expect(k).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' })
      expect(typeof k.kid).toBe('string')
      expect(k.d).toBeUndefined()
    }
    const stored = (await h.lg.deps.store.getSetting('oauth.signing_keys'))!
    expect(stored).not.toMatch(/"d"\s*:/)
  })
})

describe('authorization code flow', () => {
  it('sends a browser that is not signed in to /login/ with the request as next', async () => {
    const url = authorizeUrl({
      client_id: spa.clientId,
      scope: 'openid',
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
    })
    const res = await fetch(url, { redirect: 'manual' })
    expect(res.status).toBe(303)
    const location = res.headers.get('location')!
    expect(location.startsWith('/login/?next=')).toBe(true)
    const next = decodeURIComponent(location.slice('/login/?next='.length))
    expect(next.startsWith('/oauth2/authorize?')).toBe(true)
    expect(new URLSearchParams(next.split('?')[1]).get('client_id')).toBe(spa.clientId)
  })

  it('asks consent once, then issues tokens for a code with PKCE; ID token, userinfo', async () => {
    const { verifier, challenge } = pkce()
    const first = await authorize({
      client_id: spa.clientId,
      scope: 'openid profile email',
      state: 's',
      nonce: 'nonce-42',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    })
    expect(first.consentShown).toBe(true)
    expect(`${first.location.origin}${first.location.pathname}`).toBe(REDIRECT)
    const res = await redeem(first.location.searchParams.get('code')!, verifier)
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const tokens = await json(res)
    expect(tokens).toMatchObject({ token_type: 'Bearer', scope: 'openid profile email' })
    // The seconds left of an hour: one less when the answer took more than half a second (a loaded machine).
    expect(tokens.expires_in).toBeGreaterThanOrEqual(3590)
    expect(tokens.expires_in).toBeLessThanOrEqual(3600)
    expect(typeof tokens.refresh_token).toBe('string')
    const jwks = createLocalJWKSet(
      (await json(await fetch(`${h.url}/oauth2/jwks`))) as unknown as JSONWebKeySet,
    )
    const { payload } = await jwtVerify(tokens.id_token as string, jwks, {
      issuer: h.url,
      audience: spa.clientId,
    })
    expect(payload).toMatchObject({ nonce: 'nonce-42', preferred_username: 'ada', email: 'ada@example.test' })
    expect(typeof payload.sub).toBe('string')
    expect(typeof payload.auth_time).toBe('number')
    expect(typeof payload.exp).toBe('number')
    const info = await json(
      await fetch(`${h.url}/oauth2/userinfo`, {
        headers: { authorization: `Bearer ${tokens.access_token as string}` },
      }),
    )
    expect(info).toMatchObject({ sub: payload.sub, name: 'Ada Lovelace', email: 'ada@example.test' })
    const noAuth = await fetch(`${h.url}/oauth2/userinfo`)
    expect(noAuth.status).toBe(401)
    expect(noAuth.headers.get('www-authenticate')).toMatch(/^Bearer/)

    const second = await authorize({
      client_id: spa.clientId,
      scope: 'openid profile',
      state: 's2',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    })
    expect(second.consentShown).toBe(false)
    expect(second.location.searchParams.get('state')).toBe('s2')
    expect(second.location.searchParams.get('code')).toBeTruthy()
  })

  it('a confidential client authenticates at the token endpoint; a wrong secret is invalid_client', async () => {
    const { code, verifier } = await codeFor(web.clientId)
    const wrong = await redeem(code, verifier, web.clientId, { client_secret: 'nope' })
    expect(wrong.status).toBe(401)
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic/)
    expect((await json(wrong)).error).toBe('invalid_client')
    const ok = await post(
      '/oauth2/token',
      { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT },
      basic(web.clientId, web.clientSecret),
    )
    expect(ok.status).toBe(200)
  })

  it('never redirects to an unregistered redirect URI; a different one at the token endpoint is invalid_grant', async () => {
    const bad = await fetch(
      `${h.url}/oauth2/authorize?${new URLSearchParams({ response_type: 'code', client_id: spa.clientId, redirect_uri: 'http://127.0.0.1:9/callback/x', code_challenge: pkce().challenge, code_challenge_method: 'S256' })}`,
      { redirect: 'manual', headers: { cookie: `labgate_auth=${cookie}` } },
    )
    expect(bad.status).toBe(400)
    expect(bad.headers.get('location')).toBeNull()
    expect(await bad.text()).toMatch(/redirect URI/)
    const { code, verifier } = await codeFor(spa.clientId)
    const res = await redeem(code, verifier, spa.clientId, { redirect_uri: 'http://127.0.0.1:9/other' })
    expect((await json(res)).error).toBe('invalid_grant')
  })

  it('requires PKCE from public clients and checks the verifier', async () => {
    const { location } = await authorize({ client_id: spa.clientId, scope: 'openid', state: 'x' })
    expect(location.searchParams.get('error')).toBe('invalid_request')
    expect(location.searchParams.get('state')).toBe('x')
    const plain = await authorize({
      client_id: spa.clientId,
      code_challenge: pkce().challenge,
      code_challenge_method: 'plain',
    })
    expect(plain.location.searchParams.get('error')).toBe('invalid_request')

    const a = await codeFor(spa.clientId)
    const missing = await post('/oauth2/token', {
      grant_type: 'authorization_code',
      code: a.code,
      redirect_uri: REDIRECT,
      client_id: spa.clientId,
    })
    expect(missing.status).toBe(400)
    expect((await json(missing)).error).toBe('invalid_grant')
    const b = await codeFor(spa.clientId)
    const wrong = await redeem(b.code, pkce().verifier)
    expect((await json(wrong)).error).toBe('invalid_grant')
  })

  it('a reused code is invalid_grant and revokes the tokens minted from it', async () => {
    const { code, verifier } = await codeFor(spa.clientId)
    const first = await json(await redeem(code, verifier))
    expect(
      (await introspect(first.access_token as string, { clientId: spa.clientId, clientSecret: '' })).active,
    ).toBe(true)
    const again = await redeem(code, verifier)
    expect(again.status).toBe(400)
    expect((await json(again)).error).toBe('invalid_grant')
    const asSpa = { clientId: spa.clientId, clientSecret: '' }
    expect((await introspect(first.access_token as string, asSpa)).active).toBe(false)
    expect((await introspect(first.refresh_token as string, asSpa)).active).toBe(false)
  })

  it('refuses a consent form without the CSRF cookie; a denial redirects with access_denied', async () => {
    const { challenge } = pkce()
    const fresh = await registerOAuthClient(
      { auth: h.lg.db.auth, clock: systemClock },
      { name: 'Not yet consented', confidential: true, redirectUris: [REDIRECT], scopes: ['email'] },
    )
    const params = {
      client_id: fresh.clientId,
      scope: 'email',
      state: 'd',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }
    const page = await fetch(authorizeUrl(params), {
      redirect: 'manual',
      headers: { cookie: `labgate_auth=${cookie}` },
    })
    expect(page.status).toBe(200)
    const csrf = /labgate_csrf=([^;]+)/.exec(page.headers.get('set-cookie') ?? '')![1]!
    const form = { response_type: 'code', redirect_uri: REDIRECT, ...params, csrf }
    const forged = await post(
      '/oauth2/authorize',
      { ...form, decision: 'approve' },
      { cookie: `labgate_auth=${cookie}` },
    )
    expect(forged.status).toBe(403)
    const mismatched = await post(
      '/oauth2/authorize',
      { ...form, decision: 'approve' },
      { cookie: `labgate_auth=${cookie}; labgate_csrf=${randomToken(32)}` },
    )
    expect(mismatched.status).toBe(403)
    const denied = await post(
      '/oauth2/authorize',
      { ...form, decision: 'deny' },
      { cookie: `labgate_auth=${cookie}; labgate_csrf=${csrf}` },
    )
    expect(denied.status).toBe(303)
    const to = new URL(denied.headers.get('location')!)
    expect(to.searchParams.get('error')).toBe('access_denied')
    expect(to.searchParams.get('state')).toBe('d')
    expect(to.searchParams.get('code')).toBeNull()
  })

  it('an expired code is invalid_grant', async () => {
    const { code, verifier } = await codeFor(spa.clientId)
    await sqlOf(h.lg.db)
      .updateTable('auth_tokens')
      .set({ expires_at: Date.now() - 1000 })
      .where('class', '=', 'authorization_code')
      .where('revoked', '=', 0)
      .where('used', '=', 0)
      .execute()
    expect((await json(await redeem(code, verifier))).error).toBe('invalid_grant')
  })

  it('refreshes with rotation; reusing an old refresh token revokes the grant; no scope escalation', async () => {
    const { code, verifier } = await codeFor(spa.clientId, 'openid profile')
    const t1 = await json(await redeem(code, verifier))
    const refresh = (token: string, scope?: string) =>
      post('/oauth2/token', {
        grant_type: 'refresh_token',
        refresh_token: token,
        client_id: spa.clientId,
        ...(scope ? { scope } : {}),
      })
    const escalate = await refresh(t1.refresh_token as string, 'openid profile email')
    expect((await json(escalate)).error).toBe('invalid_scope')
    const t2 = await json(await refresh(t1.refresh_token as string))
    expect(t2.refresh_token).not.toBe(t1.refresh_token)
    expect(t2.scope).toBe('openid profile')
    // OIDC Core §12.2: a new ID token, same sub, aud and auth_time, no nonce
    const id1 = decodeJwt(t1.id_token as string)
    const id2 = decodeJwt(t2.id_token as string)
    expect(id2).toMatchObject({ sub: id1.sub, aud: spa.clientId, auth_time: id1.auth_time })
    expect(id1.nonce).toBe('n-1')
    expect(id2.nonce).toBeUndefined()
    const asSpa = { clientId: spa.clientId, clientSecret: '' }
    expect((await introspect(t2.access_token as string, asSpa)).active).toBe(true)
    const reuse = await refresh(t1.refresh_token as string)
    expect((await json(reuse)).error).toBe('invalid_grant')
    expect((await introspect(t2.access_token as string, asSpa)).active).toBe(false)
    expect((await json(await refresh(t2.refresh_token as string))).error).toBe('invalid_grant')
  })
})

describe('client credentials, password grant, introspection, revocation', () => {
  it('issues a confidential client its own token; introspection is per client', async () => {
    const res = await post(
      '/oauth2/token',
      { grant_type: 'client_credentials', scope: 'reports' },
      basic(service.clientId, service.clientSecret),
    )
    expect(res.status).toBe(200)
    const t = await json(res)
    expect(t).toMatchObject({ token_type: 'Bearer', scope: 'reports' })
    expect(t.refresh_token).toBeUndefined()
    expect(await introspect(t.access_token as string)).toMatchObject({
      active: true,
      client_id: service.clientId,
      scope: 'reports',
      sub: service.clientId,
      iss: h.url,
      token_type: 'Bearer',
    })
    expect(await introspect(t.access_token as string, api)).toEqual({ active: false })
    // Tokens of OAuth clients are not Educates API credentials (only the robot client's are).
    const asApi = await fetch(`${h.url}/workshops/catalog/environments/`, {
      headers: { authorization: `Bearer ${t.access_token as string}` },
    })
    expect(asApi.status).toBe(403)
    const escalate = await post(
      '/oauth2/token',
      { grant_type: 'client_credentials', scope: 'admin' },
      basic(service.clientId, service.clientSecret),
    )
    expect((await json(escalate)).error).toBe('invalid_scope')
    const notAllowed = await post(
      '/oauth2/token',
      { grant_type: 'client_credentials' },
      basic(web.clientId, web.clientSecret),
    )
    expect((await json(notAllowed)).error).toBe('unauthorized_client')
  })

  it('allows the password grant to the robot client only', async () => {
    const r = h.lg.robot
    const robot = await post(
      '/oauth2/token',
      { grant_type: 'password', username: r.username, password: r.password! },
      basic(r.clientId, r.clientSecret!),
    )
    expect(robot.status).toBe(200)
    const other = await post(
      '/oauth2/token',
      { grant_type: 'password', username: r.username, password: r.password! },
      basic(web.clientId, web.clientSecret),
    )
    expect(other.status).toBe(400)
    expect((await json(other)).error).toBe('unauthorized_client')
  })

  it('introspects revoked, expired and code tokens as inactive; revokes at /oauth2/revoke', async () => {
    const issue = async () =>
      json(
        await post(
          '/oauth2/token',
          { grant_type: 'client_credentials' },
          basic(service.clientId, service.clientSecret),
        ),
      )
    const a = await issue()
    expect((await introspect(a.access_token as string)).active).toBe(true)
    const revoked = await post(
      '/oauth2/revoke',
      { token: a.access_token as string },
      basic(service.clientId, service.clientSecret),
    )
    expect(revoked.status).toBe(200)
    expect(await introspect(a.access_token as string)).toEqual({ active: false })
    const b = await issue()
    const row = await sqlOf(h.lg.db)
      .selectFrom('auth_tokens')
      .select('id')
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow()
    await sqlOf(h.lg.db)
      .updateTable('auth_tokens')
      .set({ expires_at: Date.now() - 1000 })
      .where('id', '=', row.id)
      .execute()
    expect(await introspect(b.access_token as string)).toEqual({ active: false })
    const { code } = await codeFor(web.clientId)
    expect(await introspect(code, web)).toEqual({ active: false })
    expect(await introspect('no-such-token')).toEqual({ active: false })
    const unauth = await post('/oauth2/introspect', { token: 'x' }, basic(service.clientId, 'wrong'))
    expect(unauth.status).toBe(401)
  })
})

describe('token exchange (RFC 8693)', () => {
  it('exchanges a user access token for one limited to a resource server', async () => {
    const fresh = await codeFor(web.clientId, 'openid profile')
    const user = await json(
      await post(
        '/oauth2/token',
        {
          grant_type: 'authorization_code',
          code: fresh.code,
          redirect_uri: REDIRECT,
          code_verifier: fresh.verifier,
        },
        basic(web.clientId, web.clientSecret),
      ),
    )
    const exchange = (p: Record<string, string | string[]>) =>
      post('/oauth2/token', { grant_type: EXCHANGE, ...p }, basic(service.clientId, service.clientSecret))
    const res = await exchange({
      subject_token: user.access_token as string,
      subject_token_type: AT_TYPE,
      resource: api.clientId,
      scope: 'profile',
    })
    expect(res.status).toBe(200)
    const t = await json(res)
    expect(t).toMatchObject({ issued_token_type: AT_TYPE, token_type: 'Bearer', scope: 'profile' })
    expect(await introspect(t.access_token as string, api)).toMatchObject({
      active: true,
      aud: [api.clientId],
      username: 'ada',
    })
    expect(await introspect(t.access_token as string, web)).toEqual({ active: false })

    expect(
      (
        await json(
          await exchange({
            subject_token: user.access_token as string,
            subject_token_type: AT_TYPE,
            resource: 'no-such-client',
          }),
        )
      ).error,
    ).toBe('invalid_target')
    expect(
      (
        await json(
          await exchange({ subject_token: user.access_token as string, subject_token_type: AT_TYPE }),
        )
      ).error,
    ).toBe('invalid_target')
    const wrongType = await json(
      await exchange({
        subject_token: user.access_token as string,
        subject_token_type: AT_TYPE,
        resource: api.clientId,
        requested_token_type: 'urn:ietf:params:oauth:token-type:id_token',
      }),
    )
    expect(wrongType).toMatchObject({
      error: 'invalid_request',
      error_description: 'Unsupported requested token type.',
    })
    const badSubject = await json(
      await exchange({ subject_token: 'nope', subject_token_type: AT_TYPE, resource: api.clientId }),
    )
    expect(badSubject).toMatchObject({
      error: 'invalid_request',
      error_description: 'Subject token invalid.',
    })
    const narrowed = await json(
      await exchange({
        subject_token: t.access_token as string,
        subject_token_type: AT_TYPE,
        resource: 'https://elsewhere.test/',
      }),
    )
    expect(narrowed.error).toBe('invalid_target')
    const notAllowed = await post(
      '/oauth2/token',
      {
        grant_type: EXCHANGE,
        subject_token: user.access_token as string,
        subject_token_type: AT_TYPE,
        resource: api.clientId,
      },
      basic(web.clientId, web.clientSecret),
    )
    expect((await json(notAllowed)).error).toBe('unauthorized_client')
  })

  it('an exchanged token ends with its subject token (revoked or its grant revoked)', async () => {
    const exchangeFor = async (subject: string) =>
      json(
        await post(
          '/oauth2/token',
          {
            grant_type: EXCHANGE,
            subject_token: subject,
            subject_token_type: AT_TYPE,
            resource: api.clientId,
          },
          basic(service.clientId, service.clientSecret),
        ),
      )
    const first = await codeFor(spa.clientId, 'openid profile')
    const user = await json(await redeem(first.code, first.verifier))
    const t = await exchangeFor(user.access_token as string)
    const twice = await exchangeFor(t.access_token as string)
    expect((await introspect(twice.access_token as string, api)).active).toBe(true)
    const revoked = await post('/oauth2/revoke', {
      token: user.access_token as string,
      client_id: spa.clientId,
    })
    expect(revoked.status).toBe(200)
    expect(await introspect(t.access_token as string, api)).toEqual({ active: false })
    expect(await introspect(twice.access_token as string, api)).toEqual({ active: false })

    // reusing the subject's rotated-out refresh token revokes its grant: the exchanged token ends too
    const second = await codeFor(spa.clientId, 'openid profile')
    const user2 = await json(await redeem(second.code, second.verifier))
    const t2 = await exchangeFor(user2.access_token as string)
    const refresh = (rt: string) =>
      post('/oauth2/token', { grant_type: 'refresh_token', refresh_token: rt, client_id: spa.clientId })
    const rotated = await json(await refresh(user2.refresh_token as string))
    const t3 = await exchangeFor(rotated.access_token as string)
    expect((await introspect(t3.access_token as string, api)).active).toBe(true)
    expect((await json(await refresh(user2.refresh_token as string))).error).toBe('invalid_grant')
    expect(await introspect(t2.access_token as string, api)).toEqual({ active: false })
    expect(await introspect(t3.access_token as string, api)).toEqual({ active: false })
  })
})

describe('form parameters', () => {
  const error = async (res: Response) => ({ status: res.status, ...(await json(res)) })

  it('a repeated parameter a grant reads is invalid_request; one it does not read is ignored', async () => {
    const svc = basic(service.clientId, service.clientSecret)
    expect(
      await error(await post('/oauth2/token', { grant_type: 'client_credentials', scope: ['a', 'b'] }, svc)),
    ).toEqual({
      status: 400,
      error: 'invalid_request',
      error_description: 'Repeated or malformed parameter: scope',
    })
    expect(
      await error(
        await post('/oauth2/token', { grant_type: ['client_credentials', 'authorization_code'] }, svc),
      ),
    ).toEqual({
      status: 400,
      error: 'invalid_request',
      error_description: 'Repeated or malformed parameter: grant_type',
    })
    const code = { grant_type: 'authorization_code', code: ['a', 'b'], client_id: spa.clientId }
    expect(await error(await post('/oauth2/token', code))).toMatchObject({
      error_description: 'Repeated or malformed parameter: code',
    })
    const ignored = await post(
      '/oauth2/token',
      { grant_type: 'client_credentials', scope: 'reports', code: ['a', 'b'], username: ['c', 'd'] },
      svc,
    )
    expect(ignored.status).toBe(200)
    expect(await error(await post('/oauth2/introspect', { token: '' }, svc))).toEqual({
      status: 400,
      error: 'invalid_request',
      error_description: 'Missing token parameter.',
    })
  })

  it('a repeated redirect_uri at the authorization endpoint is an error page, never a redirect', async () => {
    const res = await fetch(
      `${authorizeUrl({ client_id: web.clientId })}&redirect_uri=${encodeURIComponent(REDIRECT)}`,
      { redirect: 'manual', headers: { cookie: `labgate_auth=${cookie}` } },
    )
    expect(res.status).toBe(400)
    expect(res.headers.get('location')).toBeNull()
    expect(await res.text()).toContain('The redirect URI is not registered for this client.')
  })
})

describe('disabling a client', () => {
  it('ends its tokens, refuses its authentication and its authorization requests', async () => {
    const deps = { auth: h.lg.db.auth, clock: systemClock }
    const app = (await registerOAuthClient(deps, {
      name: 'Short-lived app',
      confidential: true,
      redirectUris: [REDIRECT],
      grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
      scopes: ['openid', 'reports'],
    })) as { clientId: string; clientSecret: string }
    const { code, verifier } = await codeFor(app.clientId, 'openid')
    const user = await json(await redeem(code, verifier, app.clientId, { client_secret: app.clientSecret }))
    const own = await json(
      await post(
        '/oauth2/token',
        { grant_type: 'client_credentials', scope: 'reports' },
        basic(app.clientId, app.clientSecret),
      ),
    )
    const asApp = { clientId: app.clientId, clientSecret: app.clientSecret }
    expect((await introspect(own.access_token as string, asApp)).active).toBe(true)

    await disableOAuthClient(deps, app.clientId)
    await disableOAuthClient(deps, app.clientId) // idempotent
    await expect(disableOAuthClient(deps, PORTAL_CLIENT_ID)).rejects.toThrow(/no registered OAuth client/)

    const userinfo = await fetch(`${h.url}/oauth2/userinfo`, {
      headers: { authorization: `Bearer ${user.access_token as string}` },
    })
    expect(userinfo.status).toBe(401)
    const grants = new GrantManager({ auth: h.lg.db.auth, clock: systemClock, secret: serverKey })
    expect(await grants.tokenStatus((await grants.findToken(own.access_token as string))!)).toBe('revoked')
    const again = await post(
      '/oauth2/token',
      { grant_type: 'client_credentials' },
      basic(app.clientId, app.clientSecret),
    )
    expect(again.status).toBe(401)
    expect((await json(again)).error).toBe('invalid_client')
    const refresh = await post(
      '/oauth2/token',
      { grant_type: 'refresh_token', refresh_token: user.refresh_token as string },
      basic(app.clientId, app.clientSecret),
    )
    expect((await json(refresh)).error).toBe('invalid_client')
    const page = await fetch(authorizeUrl({ client_id: app.clientId, scope: 'openid' }), {
      redirect: 'manual',
      headers: { cookie: `labgate_auth=${cookie}` },
    })
    expect(page.status).toBe(400)
  })
})

describe('subject identifiers', () => {
  const register = (name: string, subjectType: 'pairwise' | 'ephemeral', sector?: string) =>
    registerOAuthClient(
      { auth: h.lg.db.auth, clock: systemClock },
      {
        name,
        confidential: false,
        redirectUris: [REDIRECT],
        subjectType,
        ...(sector ? { sectorIdentifier: sector } : {}),
      },
    )
  const subOf = async (clientId: string) => {
    const { code, verifier } = await codeFor(clientId, 'openid')
    const t = await json(await redeem(code, verifier, clientId))
    const info = await fetch(`${h.url}/oauth2/userinfo`, {
      headers: { authorization: `Bearer ${t.access_token as string}` },
    })
    const sub = (await json(info)).sub as string
    expect(decodeJwt(t.id_token as string).sub).toBe(sub)
    return sub
  }

  it('public subs are the user id for every client; pairwise per sector; ephemeral per grant', async () => {
    const publicSub = await subOf(spa.clientId)
    expect(await subOf(spa.clientId)).toBe(publicSub)
    const a = await register('Sector app A', 'pairwise', 'apps.example.test')
    const b = await register('Sector app B', 'pairwise', 'apps.example.test')
    const c = await register('Other sector', 'pairwise', 'other.example.test')
    const subA = await subOf(a.clientId)
    expect(subA).not.toBe(publicSub)
    expect(subA).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(await subOf(a.clientId)).toBe(subA)
    expect(await subOf(b.clientId)).toBe(subA)
    expect(await subOf(c.clientId)).not.toBe(subA)
    const e = await register('Ephemeral app', 'ephemeral')
    const e1 = await subOf(e.clientId)
    const e2 = await subOf(e.clientId)
    expect(e1).not.toBe(e2)
    expect([publicSub, subA]).not.toContain(e1)
  })

  it('refuses a sector identifier for a client that is not pairwise, and unknown subject types', async () => {
    const deps = { auth: h.lg.db.auth, clock: systemClock }
    await expect(
      registerOAuthClient(deps, { name: 'x', confidential: false, sectorIdentifier: 's.example.test' }),
    ).rejects.toThrow(/only for pairwise/)
    await expect(
      registerOAuthClient(deps, {
        name: 'x',
        confidential: false,
        subjectType: 'secret' as 'public',
      }),
    ).rejects.toThrow(/unknown subject type/)
  })
})

describe('signing key rotation', () => {
  it('keeps verifying an ID token signed before rotation; new tokens use the new key', async () => {
    const before = await codeFor(spa.clientId, 'openid')
    const old = await json(await redeem(before.code, before.verifier))
    const oldKid = decodeProtectedHeader(old.id_token as string).kid
    const keys = new SigningKeys({ store: h.lg.deps.store, clock: systemClock, secret: serverKey })
    const newKid = await keys.rotateSigningKey()
    expect(newKid).not.toBe(oldKid)
    const jwks = createLocalJWKSet(
      (await json(await fetch(`${h.url}/oauth2/jwks`))) as unknown as JSONWebKeySet,
    )
    await jwtVerify(old.id_token as string, jwks, { issuer: h.url, audience: spa.clientId })
    const after = await codeFor(spa.clientId, 'openid')
    const fresh = await json(await redeem(after.code, after.verifier))
    expect(decodeProtectedHeader(fresh.id_token as string).kid).toBe(newKid)
    await jwtVerify(fresh.id_token as string, jwks, { issuer: h.url, audience: spa.clientId })
  })
})

describe('behind https', () => {
  it('uses the public URL as issuer and a __Host- consent cookie', async () => {
    const tls = await startHarness(
      { backend: 'fake', workshops: [{ name: 'w' }] },
      { publicUrl: 'https://portal.test/' },
    )
    try {
      const { port } = tls.lg.app.server.address() as { port: number }
      const local = `http://127.0.0.1:${port}`
      const doc = await json(await fetch(`${local}/.well-known/openid-configuration`))
      expect(doc.issuer).toBe('https://portal.test')
      const key = Buffer.from((await tls.lg.deps.store.getSetting('server.key'))!, 'base64')
      const grants = new GrantManager({ auth: tls.lg.db.auth, clock: systemClock, secret: key })
      const userId = await buildUser(tls.lg.db.auth, { username: 'tls' })
      const sk = await grants.openSignIn({ userId, clientId: PORTAL_CLIENT_ID, expiresIn: 600 })
      const { grant } = await grants.addGrant(sk, { scope: ['portal'], expiresIn: 600 })
      const signedIn = (await grants.mintToken(grant.id, 'access_token')).value
      const client = await registerOAuthClient(
        { auth: tls.lg.db.auth, clock: systemClock },
        { name: 'TLS client', confidential: true, redirectUris: [REDIRECT], scopes: ['openid'] },
      )
      const res = await fetch(
        `${local}/oauth2/authorize?${new URLSearchParams({ response_type: 'code', client_id: client.clientId, redirect_uri: REDIRECT, scope: 'openid' })}`,
        { redirect: 'manual', headers: { cookie: `labgate_auth=${signedIn}` } },
      )
      expect(res.status).toBe(200)
      expect(res.headers.get('set-cookie')).toMatch(
        /^__Host-labgate_csrf=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Secure$/,
      )
    } finally {
      await tls.close()
    }
  })
})
