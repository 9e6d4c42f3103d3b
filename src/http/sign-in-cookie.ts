import type { Authenticator } from './authenticator.js'
import { AUTH_COOKIE, isSecure, serializeCookie } from './cookies.js'

interface SignInFor {
  userId: string
  /** When the session ends, ms; null: no end. */
  expiresAt: number | null
  now: number
  portalUrl: string
  /** A session whose dashboard the browser is signed in to as well, in the same commit. */
  dashboard?: string
}

/**
 * A new portal sign-in of `userId` for a session ending at `expiresAt`, valid an hour past the session's
 * end (at least a minute), ten hours without an end: its `Set-Cookie` value, and the credential in it
 * (for `Authenticator.browserLogout`, should it have to be undone before the browser gets it). With
 * `dashboard`, also that session's dashboard sign-in under it, in the same commit (its token and lifetime
 * in seconds); signing the portal sign-in out ends it too.
 */
export async function sessionSignIn(
  auth: Authenticator,
  o: SignInFor,
): Promise<{ cookie: string; value: string; dashboard?: { value: string; ttl: number } }> {
  const ttl = o.expiresAt ? Math.max(60, Math.ceil((o.expiresAt - o.now) / 1000) + 3600) : 36_000
  const both = o.dashboard ? await auth.browserLoginWithDashboard(o.userId, ttl, o.dashboard) : null
  const value = both ? both.portal : await auth.browserLogin(o.userId, ttl)
  const cookie = serializeCookie(AUTH_COOKIE, encodeURIComponent(value), {
    sameSite: 'Lax',
    maxAge: ttl,
    secure: isSecure(o.portalUrl),
  })
  return { cookie, value, ...(both ? { dashboard: { value: both.dashboard, ttl: both.dashboardTtl } } : {}) }
}

/** The `Set-Cookie` value of {@link sessionSignIn}. */
export async function sessionSignInCookie(auth: Authenticator, o: SignInFor): Promise<string> {
  return (await sessionSignIn(auth, o)).cookie
}
