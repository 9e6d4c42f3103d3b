/**
 * The OAuth 2.0 / OpenID Connect authorization server's HTTP routes: discovery, JWKS, authorization
 * (code flow + consent), token, introspection, revocation (RFC 7009 and Educates' `/oauth2/revoke-token/`)
 * and userinfo. Routes parse, call a use case, and render errors with `oauthErrorResponse`.
 */
import { hkdfSync } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { parseFormBody } from '../api/body.js'
import { actorOf, AUTH_COOKIE, readCookie, type ApiContext } from '../api/context.js'
import { CSRF_FIELD, csrfOk, issueCsrfToken } from '../web/portal/csrf.js'
import type { GrantManager } from '../auth/grant-manager.js'
import { oauthErrorResponse, OAuthError } from '../auth/oauth-errors.js'
import { RobotOAuth } from '../auth/robot-oauth.js'
import type { Clock } from '../domain/clock.js'
import { SignInLimiter } from '../auth/sign-in-limits.js'
import { InvalidGrant } from '../auth/oauth-errors.js'
import type { ClientRecord } from '../store/auth-records.js'
import type { AuthStore } from '../store/auth-store.js'
import type { Store } from '../store/store.js'
import { AuthorizePageError, Authorizer, redirectWith, type AuthorizeParams } from './authorize.js'
import { discoveryDocument } from './discovery.js'
import { consentPage, errorPage } from './pages.js'
import { SigningKeys, type SettingsStore } from './signing-keys.js'
import { TokenEndpoint } from './token-endpoint.js'

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
}

const AUTHORIZE_PARAMS = [
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
] as const

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
  const passwordLimits = new SignInLimiter(clock)
  const pairwiseSalt = new Uint8Array(hkdfSync('sha256', deps.key, '', 'labgate pairwise sub', 32))
  const authorizer = new Authorizer({ auth, grants, clock, pairwiseSalt })

  const fail = (reply: FastifyReply, e: unknown) => {
    if (!(e instanceof OAuthError)) throw e
    const r = oauthErrorResponse(e)
    return reply.status(r.status).headers(r.headers).send(r.body)
  }
  const secure = () => issuer().startsWith('https:')

  /** Signs in check, consent check, code: shared by GET (first visit) and POST (consent given). */
  const authorize = async (
    req: FastifyRequest,
    reply: FastifyReply,
    params: AuthorizeParams,
    consented: boolean,
  ) => {
    let check
    try {
      check = await authorizer.check(params)
    } catch (e) {
      if (!(e instanceof AuthorizePageError)) throw e
      return reply.status(400).headers(PAGE_HEADERS).send(errorPage(e.message))
    }
    if (!check.ok) return reply.redirect(check.redirect, 303)
    const actor = await actorOf(ctx, req)
    const cookie = readCookie(req, AUTH_COOKIE)
    const signIn = actor?.via === 'cookie' && cookie ? await grants.findToken(cookie) : null
    if (!actor || actor.via !== 'cookie' || !signIn) {
      const here = `/oauth2/authorize?${new URLSearchParams(
        Object.entries(params).filter((e): e is [string, string] => typeof e[1] === 'string'),
      )}`
      return reply.redirect(`/login/?next=${encodeURIComponent(here)}`, 303)
    }
    const authTime = Math.floor(signIn.userSignIn.authnEvent.at / 1000)
    if (check.client.kind === 'session') {
      if (!(await deps.firstParty?.(check.client, actor.userId)))
        return reply.redirect(
          redirectWith(check.redirectUri, {
            error: 'access_denied',
            error_description: 'This user may not sign in to this client.',
            state: params.state,
          }),
          303,
        )
      return reply.redirect(
        await authorizer.issueCode(check, actor.userId, authTime, signIn.userSignIn.id),
        303,
      )
    }
    if (consented) await authorizer.rememberConsent(actor.userId, check.client.id, check.scope)
    else if (!(await authorizer.hasConsent(actor.userId, check.client.id, check.scope))) {
      const fields: Record<string, string> = { [CSRF_FIELD]: issueCsrfToken(req, reply, secure()) }
      for (const k of AUTHORIZE_PARAMS) if (params[k] !== undefined) fields[k] = params[k]
      return reply
        .headers(PAGE_HEADERS)
        .send(consentPage({ clientName: check.client.name, scope: check.scope, fields }))
    }
    return reply.redirect(
      await authorizer.issueCode(check, actor.userId, authTime, signIn.userSignIn.id),
      303,
    )
  }

  const pick = (src: Record<string, unknown>): AuthorizeParams => {
    const out: AuthorizeParams = {}
    for (const k of AUTHORIZE_PARAMS) {
      const v = src[k]
      if (typeof v === 'string' && v !== '') out[k] = v
    }
    return out
  }

  const routes = (app: FastifyInstance) => {
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'])
      app.get(path, async () => discoveryDocument(issuer()))
    app.get('/oauth2/jwks', async (_req, reply) =>
      reply.header('content-type', 'application/jwk-set+json').send(await keys.jwks()),
    )

    app.get('/oauth2/authorize', async (req, reply) =>
      authorize(req, reply, pick(req.query as Record<string, unknown>), false),
    )
    app.post('/oauth2/authorize', async (req, reply) => {
      const form = parseFormBody(typeof req.body === 'string' ? req.body : '')
      if (!csrfOk(req, form, secure()))
        return reply
          .status(403)
          .headers(PAGE_HEADERS)
          .send(errorPage('The form has expired. Please try again.'))
      const params = pick(form)
      if (form.decision !== 'approve') {
        try {
          const check = await authorizer.check(params)
          if (!check.ok) return reply.redirect(check.redirect, 303)
          return reply.redirect(
            redirectWith(check.redirectUri, { error: 'access_denied', state: params.state }),
            303,
          )
        } catch (e) {
          if (!(e instanceof AuthorizePageError)) throw e
          return reply.status(400).headers(PAGE_HEADERS).send(errorPage(e.message))
        }
      }
      return authorize(req, reply, params, true)
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
          const wait = username === null ? 0 : passwordLimits.retryAfter(username, req.ip)
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
            const issued = await tokens.tokenRequest(req.headers.authorization, body)
            if (username !== null) passwordLimits.succeeded(username)
            return reply.headers(NO_STORE).send(issued)
          } catch (e) {
            if (username !== null && e instanceof InvalidGrant) passwordLimits.failed(username, req.ip)
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
          await robot.revokeRequest(
            req.headers.authorization,
            parseFormBody(typeof req.body === 'string' ? req.body : ''),
          )
          return reply.status(200).send('')
        } catch (e) {
          return fail(reply, e)
        }
      })
    }
    app.post('/oauth2/introspect', async (req, reply) => {
      try {
        const body = parseFormBody(typeof req.body === 'string' ? req.body : '')
        return reply.headers(NO_STORE).send(await tokens.introspect(req.headers.authorization, body))
      } catch (e) {
        return fail(reply, e)
      }
    })
    const userinfo = async (req: FastifyRequest, reply: FastifyReply) => {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')
      const claims = m ? await tokens.userinfo(m[1]!) : null
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
  return { routes, keys, tokens }
}
