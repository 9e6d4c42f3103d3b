import type { IncomingHttpHeaders } from 'node:http'
import { loadSession } from '../broker/load-session.js'
import { mayEnterSession } from '../broker/policies.js'
import { HOLDS_CAPACITY, VISIBLE } from '../domain/session-states.js'
import type { UserKind } from '../domain/types.js'
import { forbidden, notFound } from '../domain/errors.js'
import { bearerToken } from '../http/bearer.js'
import type { Authenticator } from '../http/authenticator.js'
import type { ApiContext } from '../http/context.js'
import { AUTH_COOKIE, cookieFrom } from '../http/cookies.js'
import type { Session } from '../store/rows.js'
import type { Store } from '../store/store.js'

/** The cookie that holds a session-scoped gateway credential (one per session: path- or host-scoped). */
export const GATEWAY_COOKIE = 'labgate_session'

/** Who is using a session through the gateway. */
export interface GatewayAccess {
  session: Session
  userId: string
  kind: UserKind
}

/** Why the gateway refused: no credential for this session (`forbidden`) or no such live session. */
export type GatewayRefusal = 'forbidden' | 'not_found'

/**
 * Decides whether a request (HTTP or a WebSocket upgrade: only its headers are needed) may use session
 * `name` through the gateway. Allowed (see `mayEnterSession`): the owner with that session's own gateway
 * cookie (a cookie for another session never works), and staff signed in to the portal (cookie or bearer
 * token). Refused with `forbidden` when there is no such credential (checked first), `not_found` when the
 * session does not exist here or has ended (STOPPED, or STOPPING unless `allowStopping`), `forbidden` for
 * anyone else. Never throws for a refusal.
 */
export async function checkGatewayAccess(
  ctx: ApiContext,
  headers: IncomingHttpHeaders,
  name: string,
  opts: { allowStopping?: boolean } = {},
): Promise<GatewayAccess | { refused: GatewayRefusal }> {
  const who = await gatewayUser(ctx, headers, name)
  if (!who) return { refused: 'forbidden' }
  const session = await loadSession(ctx.deps, name, opts.allowStopping ? VISIBLE : HOLDS_CAPACITY)
  if (!session) return { refused: 'not_found' }
  if (!mayEnterSession(who, session)) return { refused: 'forbidden' }
  return { session, userId: who.userId, kind: who.kind }
}

/**
 * {@link checkGatewayAccess} for routes that let the error table answer: throws forbidden (`Not signed
 * in to this session`) or not_found (`Session does not exist`) instead of returning the refusal.
 */
export async function gatewayAccess(
  ctx: ApiContext,
  headers: IncomingHttpHeaders,
  name: string,
  opts: { allowStopping?: boolean } = {},
): Promise<GatewayAccess> {
  const access = await checkGatewayAccess(ctx, headers, name, opts)
  if ('refused' in access)
    throw access.refused === 'forbidden'
      ? forbidden('Not signed in to this session')
      : notFound('Session does not exist')
  return access
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
  const staff = await portalStaff(ctx.auth, ctx.deps.store, headers)
  return staff ? { userId: staff, kind: 'staff' } : null
}

/**
 * The staff user signed in to the portal behind `headers` (an `Authorization: Bearer` token, else the
 * browser's portal cookie), or null for anyone else and for no or bad credentials.
 */
export async function portalStaff(
  auth: Pick<Authenticator, 'bearer' | 'browserSession'>,
  store: Pick<Store, 'getUser'>,
  headers: IncomingHttpHeaders,
): Promise<string | null> {
  const bearer = bearerToken(headers.authorization)
  const cookie = cookieFrom(headers.cookie, AUTH_COOKIE)
  const portal = bearer ? await auth.bearer(bearer) : cookie ? await auth.browserSession(cookie) : null
  if (!portal) return null
  const user = await store.getUser(portal.userId)
  return user?.kind === 'staff' ? user.id : null
}
