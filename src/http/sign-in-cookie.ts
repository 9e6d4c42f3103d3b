import type { Authenticator } from './authenticator.js'
import { AUTH_COOKIE, isSecure, serializeCookie } from './cookies.js'

/**
 * The `Set-Cookie` value that signs a browser in as `userId` for a session ending at `expiresAt` (ms, or
 * null for no end): valid an hour past the session's end (at least a minute), ten hours without an end.
 */
export async function sessionSignInCookie(
  auth: Authenticator,
  o: { userId: string; expiresAt: number | null; now: number; portalUrl: string },
): Promise<string> {
  const ttl = o.expiresAt ? Math.max(60, Math.ceil((o.expiresAt - o.now) / 1000) + 3600) : 36_000
  const value = await auth.browserLogin(o.userId, ttl)
  return serializeCookie(AUTH_COOKIE, encodeURIComponent(value), {
    sameSite: 'Lax',
    maxAge: ttl,
    secure: isSecure(o.portalUrl),
  })
}
