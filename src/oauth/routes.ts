/**
 * The OAuth 2.0 / OpenID Connect authorization server's HTTP routes: discovery, JWKS, authorization
 * (code flow + consent), token, introspection, revocation (RFC 7009 and Educates' `/oauth2/revoke-token/`)
 * and userinfo. Routes parse, call a use case, and render errors with `oauthErrorResponse`.
 */
import { hkdfSync } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { parseFormBody } from '../http/body.js'
import { bearerToken } from '../http/bearer.js'
import { actorOf, type ApiContext } from '../http/context.js'
import { AUTH_COOKIE, isSecure, readCookie } from '../http/cookies.js'
import { CSRF_FIELD, csrfOk, issueCsrfToken } from '../http/csrf.js'
import type { GrantManager } from '../auth/grant-manager.js'
import { parseOAuthParams } from '../auth/form-params.js'
import { oauthErrorResponse, OAuthError } from '../auth/oauth-errors.js'
import { RobotOAuth } from '../auth/robot-oauth.js'
import type { Clock } from '../domain/clock.js'
import type { SignInLimiter } from '../auth/sign-in-limits.js'
import type { SecretGate } from '../auth/secret-gate.js'
import { findSignInUser } from '../auth/users.js'
import { signInLimitKey } from '../broker/policies.js'
import { InvalidGrant } from '../auth/oauth-errors.js'
import type { ClientRecord } from '../store/auth-records.js'
import type { AuthStore } from '../store/auth-store.js'
import type { Store } from '../store/store.js'
import { Authorizer, type AuthorizeParams } from './authorize.js'
import { authorizeRequest, type PortalSignIn } from './authorize-request.js'
import { discoveryDocument } from './discovery.js'
import { declareOAuthOperations } from './operations.js'
import { consentPage, errorPage } from './pages.js'
import { SigningKeys, type SettingsStore } from './signing-keys.js'
import { TokenEndpoint } from './token-endpoint.js'
import { AuthorizeForm, AuthorizeQuery, RevokeForm } from './wire.js'

export interface OAuthServerDeps {
  auth: AuthStore
  /** Where signing keys are kept and users' profiles read. */
  store: SettingsStore & Pick<Store, 'getUser'>
  clock: Clock
  grants: GrantManager
  /** The server secret; signing keys are encrypted under a key derived from it. */
  key: Uint8Array
  /** The routes' context (the portal URL, which is the issuer, and the browser's sign-in). */
  ctx: ApiContext
  /**
   * Whether a signed-in user may authorize one of labgate's own (`session`-kind) clients, such as a
   * session's dashboard: true lets them through without a consent page, false answers `access_denied`.
   * Without it, no session client can be authorized.
   */
  firstParty?: (client: ClientRecord, userId: string) => Promise<boolean>
  /**
   * Failed password sign-ins, shared with the portal's `/login/` so that failures at either count
   * together (keyed by `signInLimitKey`).
   */
  signInLimiter: SignInLimiter
  /** The budget of password hashing, shared with `/login/`: every secret or password check goes through it. */
  secretGate: SecretGate
}

const AUTHORIZE_PARAMS = AuthorizeQuery.keyof().options

/** Parses a form body keeping repeated parameters as arrays (RFC 8707 `resource` may repeat). */
function formWithRepeats(body: unknown): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const [k, v] of new URLSearchParams(typeof body === 'string' ? body : '')) {
    const prev = out[k]
    out[k] = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v]
  }
  return out
}

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' }
const PAGE_HEADERS = {
  ...NO_STORE,
  'content-type': 'text/html; charset=utf-8',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; form-action 'self'; frame-ancestors 'none'",
}

/**
 * Builds the authorization server over the grant model and returns its route plugin (which also serves
 * `POST /oauth2/token/` and `/oauth2/revoke-token/` for the Educates robot, unchanged) and `keys`, whose
 * `rotateSigningKey()` rotates the ID token signing key.
 */
export function setUpOAuthServer(deps: OAuthServerDeps) {
  const { auth, grants, clock, ctx } = deps
  const issuer = () => ctx.portalUrl
  const keys = new SigningKeys({ store: deps.store, clock, secret: deps.key })
  const robot = new RobotOAuth({ auth, grants, clock })
  const tokens = new TokenEndpoint({ auth, users: deps.store, grants, robot, keys, clock, issuer })
  const passwordLimits = deps.signInLimiter
  const gate = deps.secretGate
  const pairwiseSalt = new Uint8Array(hkdfSync('sha256', deps.key, '', 'labgate pairwise sub', 32))
  const authorizer = new Authorizer({ auth, grants, clock, pairwiseSalt })

  const fail = (reply: FastifyReply, e: unknown) => {
    if (!(e instanceof OAuthError)) throw e
    const r = oauthErrorResponse(e)
    return reply.status(r.status).headers(r.headers).send(r.body)
  }
  const secure = () => isSecure(issuer())

  /** The browser's portal sign-in (its cookie's token), or null. */
  const portalSignIn = async (req: FastifyRequest): Promise<PortalSignIn | null> => {
    const actor = await actorOf(ctx, req)
    const cookie = readCookie(req, AUTH_COOKIE)
    if (!actor || actor.via !== 'cookie' || !cookie) return null
    const found = await grants.findToken(cookie)
    if (!found) return null
    return {
      userId: actor.userId,
      authTime: Math.floor(found.userSignIn.authnEvent.at / 1000),
      userSessionId: found.userSignIn.id,
    }
  }

  /** Parses nothing more: runs `authorizeRequest` and renders its decision. */
  const authorize = async (
    req: FastifyRequest,
    reply: FastifyReply,
    params: AuthorizeParams,
    decision?: string,
  ) => {
    const d = await authorizeRequest(
      { authorizer, firstParty: deps.firstParty },
      params,
      () => portalSignIn(req),
      decision,
    )
    switch (d.kind) {
      case 'error-page':
        return reply.status(400).headers(PAGE_HEADERS).send(errorPage(d.message))
      case 'redirect':
        return reply.redirect(d.to, 303)
      case 'sign-in': {
        const here = `/oauth2/authorize?${new URLSearchParams(
          Object.entries(params).filter((e): e is [string, string] => typeof e[1] === 'string'),
        )}`
        return reply.redirect(`/login/?next=${encodeURIComponent(here)}`, 303)
      }
      case 'consent': {
        const fields: Record<string, string> = { [CSRF_FIELD]: issueCsrfToken(req, reply, secure()) }
        for (const k of AUTHORIZE_PARAMS) if (params[k] !== undefined) fields[k] = params[k]
        return reply
          .headers(PAGE_HEADERS)
          .send(consentPage({ clientName: d.client.name, scope: d.scope, fields }))
      }
    }
  }

  /** The authorization request's parameters (never throws: the schema's parameters are lenient). */
  const authorizeParams = (parsed: AuthorizeParams): AuthorizeParams => {
    const out: AuthorizeParams = {}
    for (const k of AUTHORIZE_PARAMS) if (parsed[k] !== undefined) out[k] = parsed[k]
    return out
  }

  const routes = (app: FastifyInstance) => {
    declareOAuthOperations(app)
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'])
      app.get(path, async () => discoveryDocument(issuer()))
    app.get('/oauth2/jwks', async (_req, reply) =>
      reply.header('content-type', 'application/jwk-set+json').send(await keys.jwks()),
    )

    app.get('/oauth2/authorize', async (req, reply) =>
      authorize(req, reply, authorizeParams(parseOAuthParams(AuthorizeQuery, req.query))),
    )
    app.post('/oauth2/authorize', async (req, reply) => {
      const form = parseFormBody(typeof req.body === 'string' ? req.body : '')
      if (!csrfOk(req, form, secure()))
        return reply
          .status(403)
          .headers(PAGE_HEADERS)
          .send(errorPage('The form has expired. Please try again.'))
      const params = parseOAuthParams(AuthorizeForm, form)
      // A form without a decision is a refusal.
      return authorize(req, reply, authorizeParams(params), params.decision ?? '')
    })

    for (const path of ['/oauth2/token', '/oauth2/token/']) {
      app.post(path, async (req, reply) => {
        try {
          const grantType = parseFormBody(typeof req.body === 'string' ? req.body : '').grant_type
          // The Educates grants keep their form parsing (last value wins); the others reject repeats.
          const body =
            grantType === 'password' || grantType === 'refresh_token' || grantType === undefined
              ? parseFormBody(typeof req.body === 'string' ? req.body : '')
              : formWithRepeats(req.body)
          // Password guessing through the password grant is limited like the sign-in form.
          const username =
            grantType === 'password' && typeof body.username === 'string' ? body.username : null
          const key =
            username === null
              ? null
              : signInLimitKey(username, (await findSignInUser(auth, username))?.id ?? null)
          const wait = key === null ? 0 : passwordLimits.retryAfter(key, req.ip)
          if (wait > 0) {
            return reply
              .status(429)
              .headers({ ...NO_STORE, 'retry-after': String(wait) })
              .send({
                error: 'invalid_grant',
                error_description: `Too many failed attempts; try again in ${wait} s.`,
              })
          }
          try {
            const issued = await tokens.tokenRequest(req.headers.authorization, body, gate.for(req.ip))
            if (key !== null) passwordLimits.succeeded(key, req.ip)
            return reply.headers(NO_STORE).send(issued)
          } catch (e) {
            if (key !== null && e instanceof InvalidGrant) passwordLimits.failed(key, req.ip)
            throw e
          }
        } catch (e) {
          return fail(reply, e)
        }
      })
    }
    for (const path of ['/oauth2/revoke', '/oauth2/revoke-token/', '/oauth2/revoke-token']) {
      app.post(path, async (req, reply) => {
        try {
          const form = parseOAuthParams(
            RevokeForm,
            parseFormBody(typeof req.body === 'string' ? req.body : ''),
          )
          await robot.revokeRequest(req.headers.authorization, form, gate.for(req.ip))
          return reply.status(200).send('')
        } catch (e) {
          return fail(reply, e)
        }
      })
    }
    app.post('/oauth2/introspect', async (req, reply) => {
      try {
        const body = parseFormBody(typeof req.body === 'string' ? req.body : '')
        return reply
          .headers(NO_STORE)
          .send(await tokens.introspect(req.headers.authorization, body, gate.for(req.ip)))
      } catch (e) {
        return fail(reply, e)
      }
    })
    const userinfo = async (req: FastifyRequest, reply: FastifyReply) => {
      const token = bearerToken(req.headers.authorization)
      const claims = token ? await tokens.userinfo(token) : null
      if (!claims)
        return reply
          .status(401)
          .headers({ ...NO_STORE, 'www-authenticate': `Bearer realm="labgate", error="invalid_token"` })
          .send({ error: 'invalid_token' })
      return reply.headers(NO_STORE).send(claims)
    }
    app.get('/oauth2/userinfo', userinfo)
    app.post('/oauth2/userinfo', userinfo)
  }

  // `tokens`: the token endpoint's use cases (the dashboards' sign-in redeems its codes in process)
  /**
   * The authorization endpoint's decision for the browser of `req`, as `GET /oauth2/authorize` with
   * `params` would give it (its portal sign-in; no consent form): for the dashboards' sign-in on the
   * portal's own page (`SessionSignIn.direct`).
   */
  const authorizeFor = (req: FastifyRequest, params: Record<string, string>) =>
    authorizeRequest({ authorizer, firstParty: deps.firstParty }, params, () => portalSignIn(req))

  return { routes, keys, tokens, authorizeFor }
}
