import type { FastifyRequest } from 'fastify'
import type { Actor } from '../broker/actor.js'
import type { BrokerDeps } from '../broker/deps.js'
import type { UserKind } from '../domain/types.js'
import type { Authenticator } from './authenticator.js'
import { bearerToken } from './bearer.js'
import { AUTH_COOKIE, readCookie } from './cookies.js'
import { noteActor } from './request-actor.js'

/** What every route module gets. */
export interface ApiContext {
  deps: BrokerDeps
  auth: Authenticator
  /** The portal's public origin, e.g. `http://localhost:8080`. */
  portalUrl: string
  /** Largest accepted request body, bytes. */
  bodyLimit: number
}

/**
 * How long a user's kind and disabled flag are trusted from memory, ms: staff may change either (in this
 * process, which forgets at once, or on another replica), so a change takes effect everywhere within it.
 */
const KIND_TTL_MS = 5_000

const kinds = new WeakMap<ApiContext, Map<string, { kind: UserKind | null; at: number }>>()

/** The user's kind; null for an unknown or disabled user. */
async function kindOf(ctx: ApiContext, userId: string): Promise<UserKind | null> {
  let cache = kinds.get(ctx)
  if (!cache) kinds.set(ctx, (cache = new Map()))
  const now = ctx.deps.clock.now()
  const hit = cache.get(userId)
  if (hit && now - hit.at < KIND_TTL_MS) return hit.kind
  const user = await ctx.deps.store.getUser(userId)
  if (!user) return null
  if (cache.size > 100_000) cache.clear()
  const kind = user.disabled ? null : user.kind
  cache.set(userId, { kind, at: now })
  return kind
}

/** Forgets what {@link actorOf} remembers of user `userId` (after staff changed its kind or disabled it). */
export function forgetUser(ctx: ApiContext, userId: string): void {
  kinds.get(ctx)?.delete(userId)
}

/**
 * Who is calling: a bearer token wins over the browser cookie. Null for anonymous callers, disabled users,
 * and credentials that are unknown, expired or revoked (the caller then gets Educates' bare 403).
 */
export async function actorOf(ctx: ApiContext, req: FastifyRequest): Promise<Actor | null> {
  const header = req.headers.authorization
  if (header !== undefined) {
    // A malformed Authorization header is a bad credential, not a reason to try the cookie.
    const token = bearerToken(header)
    if (!token) return null
    const who = await ctx.auth.bearer(token)
    if (!who) return null
    noteActor(req, who.userId)
    const kind = await kindOf(ctx, who.userId)
    return kind ? { userId: who.userId, kind, via: 'bearer' } : null
  }
  const cookie = readCookie(req, AUTH_COOKIE)
  if (!cookie) return null
  const who = await ctx.auth.browserSession(cookie)
  if (!who) return null
  noteActor(req, who.userId)
  const kind = await kindOf(ctx, who.userId)
  return kind ? { userId: who.userId, kind, via: 'cookie' } : null
}
