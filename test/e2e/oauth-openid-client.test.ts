/**
 * The authorization server driven by a real relying party, `openid-client`: discovery, the code flow with
 * PKCE through the portal's sign-in form and the consent page, refresh with rotation and reuse detection,
 * client credentials, introspection, revocation, token exchange and userinfo.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as oidc from 'openid-client'
import { buildUser } from '../../src/auth/testing.js'
import { systemClock } from '../../src/domain/clock.js'
import { registerOAuthClient } from '../../src/oauth/clients.js'
import { startHarness, type Harness } from '../harness.js'

const REDIRECT = 'http://127.0.0.1:9/cb'
const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
const AT_TYPE = 'urn:ietf:params:oauth:token-type:access_token'

let h: Harness
let rp: oidc.Configuration
let service: oidc.Configuration
let serviceId: string
let resourceServer: oidc.Configuration
let resourceServerId: string

/** A browser: a cookie jar over `fetch`, redirects followed by hand until they leave the portal. */
class Browser {
  readonly jar = new Map<string, string>()
  async request(url: string, form?: Record<string, string>): Promise<Response> {
    const res = await fetch(new URL(url, h.url), {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        cookie: [...this.jar].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    })
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(';')[0]!
      const i = pair.indexOf('=')
      this.jar.set(pair.slice(0, i), pair.slice(i + 1))
    }
    return res
  }
}

const hiddenFields = (page: string) => {
  const out: Record<string, string> = {}
  for (const m of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)" \/>/g))
    out[m[1]!] = m[2]!
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&')
  return out
}

/** Runs the code flow from `url` as `browser`: sign-in form when asked, consent when asked. */
async function browse(
  browser: Browser,
  url: string,
  login: { username: string; password: string },
): Promise<URL> {
  let next = url
  for (let hop = 0; hop < 10; hop++) {
    const res = await browser.request(next)
    if (res.status === 303 || res.status === 302 || res.status === 301) {
      const to = res.headers.get('location')!
      if (to.startsWith(REDIRECT)) return new URL(to)
      next = to
      continue
    }
    expect(res.status).toBe(200)
    const page = await res.text()
    const fields = hiddenFields(page)
    const posted = page.includes('action="/login/"')
      ? await browser.request('/login/', { ...fields, ...login })
      : await browser.request('/oauth2/authorize', { ...fields, decision: 'approve' })
    expect(posted.status).toBe(303)
    const to = posted.headers.get('location')!
    if (to.startsWith(REDIRECT)) return new URL(to)
    next = to
  }
  throw new Error('too many redirects')
}

const discover = async (clientId: string, auth: oidc.ClientAuth) =>
  oidc.discovery(new URL(h.url), clientId, undefined, auth, { execute: [oidc.allowInsecureRequests] })

beforeAll(async () => {
  h = await startHarness({ backend: 'fake', workshops: [{ name: 'w' }] })
  const deps = { auth: h.lg.db.auth, clock: systemClock }
  const app = await registerOAuthClient(deps, {
    name: 'Relying party',
    confidential: true,
    redirectUris: [REDIRECT],
    scopes: ['openid', 'profile', 'email'],
  })
  rp = await discover(app.clientId, oidc.ClientSecretBasic(app.clientSecret!))
  const svc = await registerOAuthClient(deps, {
    name: 'Service',
    confidential: true,
    grantTypes: ['client_credentials', EXCHANGE],
    scopes: ['reports'],
  })
  serviceId = svc.clientId
  service = await discover(svc.clientId, oidc.ClientSecretPost(svc.clientSecret!))
  const rs = await registerOAuthClient(deps, {
    name: 'Resource server',
    confidential: true,
    grantTypes: ['client_credentials'],
    scopes: [],
  })
  resourceServerId = rs.clientId
  resourceServer = await discover(rs.clientId, oidc.ClientSecretBasic(rs.clientSecret!))
  await buildUser(h.lg.db.auth, { username: 'grace', password: 'correct horse battery staple' })
})
afterAll(async () => h?.close())

describe('openid-client against labgate', () => {
  it('discovers the server', () => {
    const meta = rp.serverMetadata()
    expect(meta.issuer).toBe(h.url)
    expect(meta.code_challenge_methods_supported).toEqual(['S256'])
    expect(meta.supportsPKCE()).toBe(true)
  })

  it('runs the code flow with PKCE through sign-in and consent; refresh rotates; reuse revokes', async () => {
    const verifier = oidc.randomPKCECodeVerifier()
    const state = oidc.randomState()
    const nonce = oidc.randomNonce()
    const url = oidc.buildAuthorizationUrl(rp, {
      redirect_uri: REDIRECT,
      scope: 'openid profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    })
    const callback = await browse(new Browser(), url.href, {
      username: 'grace',
      password: 'correct horse battery staple',
    })
    const tokens = await oidc.authorizationCodeGrant(rp, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    })
    const claims = tokens.claims()!
    expect(claims.iss).toBe(h.url)
    expect(claims.preferred_username).toBe('grace')
    expect(typeof claims.auth_time).toBe('number')
    const info = await oidc.fetchUserInfo(rp, tokens.access_token, claims.sub)
    expect(info.preferred_username).toBe('grace')
    expect((await oidc.tokenIntrospection(rp, tokens.access_token)).active).toBe(true)

    const rotated = await oidc.refreshTokenGrant(rp, tokens.refresh_token!)
    expect(rotated.refresh_token).not.toBe(tokens.refresh_token)
    // a new ID token, validated by openid-client (issuer, audience, signature, same sub)
    expect(rotated.claims()).toMatchObject({ sub: claims.sub, aud: claims.aud, auth_time: claims.auth_time })
    await expect(oidc.refreshTokenGrant(rp, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    })
    expect((await oidc.tokenIntrospection(rp, rotated.access_token)).active).toBe(false)
  })

  it('client credentials, exchange to a resource-limited token, introspection by the resource, revocation', async () => {
    const own = await oidc.clientCredentialsGrant(service, { scope: 'reports' })
    expect(own.scope).toBe('reports')
    expect((await oidc.tokenIntrospection(service, own.access_token)).active).toBe(true)
    expect((await oidc.tokenIntrospection(resourceServer, own.access_token)).active).toBe(false)

    const exchanged = await oidc.genericGrantRequest(service, EXCHANGE, {
      subject_token: own.access_token,
      subject_token_type: AT_TYPE,
      resource: resourceServerId,
    })
    expect(exchanged.issued_token_type).toBe(AT_TYPE)
    const seen = await oidc.tokenIntrospection(resourceServer, exchanged.access_token)
    expect(seen).toMatchObject({ active: true, aud: [resourceServerId], sub: serviceId })
    await expect(
      oidc.genericGrantRequest(service, EXCHANGE, {
        subject_token: own.access_token,
        subject_token_type: AT_TYPE,
        resource: 'not-a-client',
      }),
    ).rejects.toMatchObject({ error: 'invalid_target' })

    await oidc.tokenRevocation(service, own.access_token)
    expect((await oidc.tokenIntrospection(service, own.access_token)).active).toBe(false)
  })

  it('rejects a wrong client secret with invalid_client', async () => {
    const wrong = await discover(serviceId, oidc.ClientSecretBasic('wrong'))
    const err = (await oidc
      .clientCredentialsGrant(wrong)
      .catch((e: unknown) => e)) as oidc.WWWAuthenticateChallengeError
    // a 401 with a challenge: openid-client reports the challenge, the body says invalid_client
    expect(err).toBeInstanceOf(oidc.WWWAuthenticateChallengeError)
    expect(err.status).toBe(401)
    expect(err.cause[0]!.scheme).toBe('basic')
    expect(((await err.response.json()) as { error: string }).error).toBe('invalid_client')
  })
})
