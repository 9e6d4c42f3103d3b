/**
 * The dashboard signs its learner in the way Educates' dashboards do: it is an OAuth client of the
 * portal (see `session-client.ts`) and runs the authorization code flow with PKCE. A browser without
 * the session's cookie is sent to the portal's authorization endpoint; the portal lets only the
 * session's owner (and staff) through; the callback checks `state`, redeems the code at the token
 * endpoint's use case and sets the session-scoped cookie. A session URL shared with someone else
 * therefore lets them in only if they can sign in to the portal as the owner.
 */
import { createHash } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { canonicalRedirect } from '../http/canonical-host.js'
import type { ApiContext } from '../http/context.js'
import type { DashboardSignInAtOnce } from '../http/dashboard-sign-in.js'
import { isSecure, readCookie, serializeCookie } from '../http/cookies.js'
import { OAuthError } from '../auth/oauth-errors.js'
import { constantTimeEqual, randomToken } from '../auth/secrets.js'
import { isSafeName } from '../domain/index.js'
import { messagePage } from '../http/message-page.js'
import { GATEWAY_COOKIE } from './access.js'
import { SESSION_SCOPE, sessionClientId, type SessionClients } from './session-client.js'
import { sessionBasePath, sessionUrl } from '../http/session-url.js'

/** The short-lived cookie that carries `state` and the PKCE verifier from the start to the callback. */
export const SIGN_IN_COOKIE = 'labgate_signin'
const SIGN_IN_TTL = 600
const CALLBACK = '_labgate/oauth_callback'

/** Redeems a code at the token endpoint (its `authorization_code` use case, form parameters). */
export type RedeemCode = (
  body: Record<string, string>,
) => Promise<{ access_token: string; expires_in: number }>

/**
 * Decides an authorization request for the browser of `req` as the portal's authorization endpoint would
 * (its portal sign-in, the same checks), without the round trip: `redirect` to the client with a code or
 * an error, or anything else (sign in first, an error page) as another kind.
 */
export type AuthorizeInProcess = (
  req: FastifyRequest,
  params: Record<string, string>,
) => Promise<{ kind: 'redirect'; to: string } | { kind: string }>

export interface SessionSignInDeps {
  ctx: ApiContext
  clients: SessionClients
  redeem: RedeemCode
  /** When given, {@link SessionSignIn.direct} signs browsers in without the code flow's round trips. */
  authorize?: AuthorizeInProcess
}

/** Starts the code flow for dashboards, and finishes it at `/sessions/<name>/_labgate/oauth_callback`. */
export class SessionSignIn implements DashboardSignInAtOnce {
  constructor(private readonly deps: SessionSignInDeps) {}

  /**
   * Sends the browser to the portal's authorization endpoint for session `name` (registering its client
   * on first use) and sets the state cookie on `reply`.
   */
  async start(req: FastifyRequest, reply: FastifyReply, name: string): Promise<FastifyReply> {
    const { ctx } = this.deps
    // The state cookie must be on the host the callback is on (the session's URL, never one from `Host`).
    const canonical = canonicalRedirect(req, sessionUrl(ctx, name), sessionUrl(ctx, name))
    if (canonical) return reply.redirect(canonical, 302)
    const { params, verifier } = await this.#request(name)
    const path = sessionBasePath(ctx, name, req.headers.host ?? '')
    void reply.header(
      'set-cookie',
      this.#cookie(SIGN_IN_COOKIE, `${params.state}.${verifier}`, path, SIGN_IN_TTL),
    )
    return reply
      .header('cache-control', 'no-store')
      .redirect(`${ctx.portalUrl}/oauth2/authorize?${new URLSearchParams(params)}`, 302)
  }

  /**
   * Signs the browser of `req`, on the portal, in to session `name`'s dashboard without the code flow's
   * four round trips (dashboard, authorize, callback, dashboard): the authorization request the
   * dashboard would send is decided in-process for this browser's portal sign-in, with the same checks,
   * and its code redeemed at once. Only where the portal can set the dashboard's cookie: the dashboard on
   * the portal's own origin (path routing) and the request on the portal's own host. Returns the
   * dashboard's path, its cookie set on `reply`; null, with nothing set, anywhere else or when the
   * request is not simply granted (the browser then takes the code flow, which says why).
   */
  async direct(req: FastifyRequest, reply: FastifyReply, name: string): Promise<string | null> {
    if (!this.deps.authorize || !this.#atOnceHere(req, name)) return null
    const { params, verifier } = await this.#request(name)
    const decision = await this.deps.authorize(req, params)
    if (decision.kind !== 'redirect' || !('to' in decision)) return null
    const back = new URL(decision.to)
    const code = back.searchParams.get('code')
    if (!code || back.searchParams.get('state') !== params.state) return null
    const token = await this.#redeem(name, code, verifier)
    if (!token) return null
    const { cookie, path } = this.dashboardCookie(req, name, token.access_token, token.expires_in)
    void reply.header('set-cookie', cookie)
    return path
  }

  /**
   * Readies a dashboard sign-in made in one step elsewhere (at activation, beside the owner's portal
   * sign-in, `Authenticator.browserLoginWithDashboard`): true, with session `name`'s client registered,
   * where {@link direct} could sign the browser of `req` in; false anywhere else (the browser then goes
   * through the portal's session page). Only for a browser known to be the session's owner.
   */
  async readyAtOnce(req: FastifyRequest, name: string): Promise<boolean> {
    if (!this.deps.authorize || !this.#atOnceHere(req, name)) return false
    await this.deps.clients.ensure(name, this.#callbackUrl(name))
    return true
  }

  /**
   * The `Set-Cookie` value that signs a browser in to session `name`'s dashboard with `token` (valid
   * `ttl` seconds), and the dashboard's path, where that browser goes next.
   */
  dashboardCookie(req: FastifyRequest, name: string, token: string, ttl: number) {
    const path = sessionBasePath(this.deps.ctx, name, req.headers.host ?? '')
    return { cookie: this.#cookie(GATEWAY_COOKIE, encodeURIComponent(token), path, ttl), path }
  }

  /** Whether the portal, answering `req`, can set session `name`'s dashboard cookie itself. */
  #atOnceHere(req: FastifyRequest, name: string): boolean {
    const { ctx } = this.deps
    if (new URL(sessionUrl(ctx, name)).origin !== new URL(ctx.portalUrl).origin) return false
    return !canonicalRedirect(req, ctx.portalUrl)
  }

  /** A new authorization request of session `name`'s client (registered on first use), and its verifier. */
  async #request(name: string): Promise<{ params: Record<string, string>; verifier: string }> {
    const redirectUri = this.#callbackUrl(name)
    const clientId = await this.deps.clients.ensure(name, redirectUri)
    const verifier = randomToken(32)
    const params = {
      response_type: 'code',
      client_id: clientId,
      redirect_uri: redirectUri,
      scope: SESSION_SCOPE,
      state: randomToken(16),
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }
    return { params, verifier }
  }

  /** Redeems `code` for session `name`'s client; null when the token endpoint refuses it. */
  async #redeem(name: string, code: string, verifier: string) {
    try {
      return await this.deps.redeem({
        grant_type: 'authorization_code',
        code,
        code_verifier: verifier,
        redirect_uri: this.#callbackUrl(name),
        client_id: sessionClientId(name),
      })
    } catch (e) {
      if (!(e instanceof OAuthError)) throw e
      return null
    }
  }

  /**
   * Registers session `name`'s client ahead of its first sign-in (which otherwise registers it), so that
   * the learner's sign-in does not wait for that write.
   */
  async prepare(name: string): Promise<void> {
    await this.deps.clients.ensure(name, this.#callbackUrl(name))
  }

  /** Registers the callback route. */
  routes(app: FastifyInstance): void {
    app.get(`/sessions/:name/${CALLBACK}`, async (req, reply) => this.#callback(req, reply))
  }

  async #callback(req: FastifyRequest, reply: FastifyReply) {
    const { ctx } = this.deps
    const name = (req.params as { name: string }).name
    if (!isSafeName(name))
      return messagePage(reply, 404, 'No such session', 'This workshop session does not exist.')
    const q = req.query as Record<string, unknown>
    const path = sessionBasePath(ctx, name, req.headers.host ?? '')
    const clear = this.#cookie(SIGN_IN_COOKIE, '', path, 0)
    if (q.error === 'access_denied') {
      void reply.header('set-cookie', clear)
      return messagePage(
        reply,
        403,
        'Not your session',
        'This workshop session belongs to someone else. Sign in to the portal as its owner, or start your own.',
      )
    }
    const [state, verifier] = (readCookie(req, SIGN_IN_COOKIE) ?? '').split('.')
    const sent = typeof q.state === 'string' ? q.state : ''
    if (!state || !verifier || !constantTimeEqual(state, sent) || typeof q.code !== 'string')
      return messagePage(
        reply,
        400,
        'Sign-in did not complete',
        `This sign-in link is stale or was opened in another browser. Open the session again from the portal (${ctx.portalUrl}/).`,
      )
    const token = await this.#redeem(name, q.code, verifier)
    if (!token)
      return messagePage(
        reply,
        403,
        'Sign-in did not complete',
        'The sign-in code was not accepted: open the session again.',
      )
    void reply.header('set-cookie', [
      clear,
      this.#cookie(GATEWAY_COOKIE, encodeURIComponent(token.access_token), path, token.expires_in),
    ])
    return reply.header('cache-control', 'no-store').redirect(path, 302)
  }

  /** The dashboard's callback, the session client's one redirect URI. */
  #callbackUrl(name: string): string {
    return `${sessionUrl(this.deps.ctx, name)}${CALLBACK}`
  }

  /** A `Set-Cookie` value scoped to the session's `path` (`Secure` behind https). */
  #cookie(name: string, value: string, path: string, maxAge: number): string {
    return serializeCookie(name, value, {
      path,
      sameSite: 'Lax',
      maxAge,
      secure: isSecure(this.deps.ctx.portalUrl),
    })
  }
}
