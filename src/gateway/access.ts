import type { IncomingHttpHeaders } from 'node:http'
import type { ApiContext } from '../api/context.js'
import { AUTH_COOKIE, cookieFrom } from '../api/context.js'
import { VISIBLE, hasEnded, isSafeName } from '../domain/index.js'
import type { UserKind } from '../domain/types.js'
import { forbidden, notFound } from '../domain/errors.js'
import type { Session } from '../store/rows.js'

/** The cookie that holds a session-scoped gateway credential (one per session: path- or host-scoped). */
export const GATEWAY_COOKIE = 'labgate_session'

/** Who is using a session through the gateway. */
export interface GatewayAccess {
  session: Session
  userId: string
  kind: UserKind
}

/**
 * Decides whether a request (HTTP or a WebSocket upgrade: only its headers are needed) may use session
 * `name` through the gateway. Allowed: the owner with that session's own gateway cookie (a cookie for
 * another session never works), and staff signed in to the portal (cookie or bearer token).
 * Throws forbidden when there is no such credential, not_found when the session does not exist or has
 * stopped (STOPPED, or STOPPING unless `allowStopping`).
 */
export async function gatewayAccess(
  ctx: ApiContext,
  headers: IncomingHttpHeaders,
  name: string,
  opts: { allowStopping?: boolean } = {},
): Promise<GatewayAccess> {
  const who = await gatewayUser(ctx, headers, name)
  if (!who) throw forbidden()
  const session = isSafeName(name) ? await ctx.deps.store.getSession(name) : null
  const live =
    session &&
    session.portal === ctx.deps.portal.name &&
    VISIBLE.includes(session.state) &&
    (opts.allowStopping || !hasEnded(session.state))
  if (!session || !live) throw notFound('Session does not exist')
  if (who.kind !== 'staff' && session.owner !== who.userId) throw forbidden()
  return { session, userId: who.userId, kind: who.kind }
}

async function gatewayUser(
  ctx: ApiContext,
  headers: IncomingHttpHeaders,
  name: string,
): Promise<{ userId: string; kind: UserKind } | null> {
  const sessionCookie = cookieFrom(headers.cookie, GATEWAY_COOKIE)
  if (sessionCookie) {
    const who = await ctx.auth.gatewaySession(sessionCookie, name)
    if (who)
      return { userId: who.userId, kind: (await ctx.deps.store.getUser(who.userId))?.kind ?? 'anonymous' }
  }
  // Staff need no session cookie: their portal sign-in (cookie or bearer) is enough.
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '')?.[1]
  const portal = bearer ? await ctx.auth.bearer(bearer) : await browser(ctx, headers)
  if (!portal) return null
  const user = await ctx.deps.store.getUser(portal.userId)
  return user?.kind === 'staff' ? { userId: user.id, kind: 'staff' } : null
}

async function browser(ctx: ApiContext, headers: IncomingHttpHeaders) {
  const cookie = cookieFrom(headers.cookie, AUTH_COOKIE)
  return cookie ? ctx.auth.browserSession(cookie) : null
}
