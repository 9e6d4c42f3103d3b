/**
 * How the HTTP layer learns who is calling. Implemented over the grant/token model (`src/auth/`): bearer
 * tokens are OAuth2 access tokens; the browser cookie holds a token of the portal's own client.
 */
export interface Authenticator {
  /** The user behind an access token, or null when it is unknown, expired or revoked. Fast (cached). */
  bearer(token: string): Promise<{ userId: string } | null>
  /** Signs a browser in as `userId`: returns the cookie value (a fresh token) valid for `ttlSeconds`. */
  browserLogin(userId: string, ttlSeconds: number): Promise<string>
  /**
   * {@link browserLogin} and, in the same commit, a sign-in of that browser to session `session`'s
   * dashboard under it (what the dashboard's code flow would give, ended with the portal sign-in): both
   * cookie values, and how many seconds the dashboard's is valid. The session's dashboard client must be
   * registered (not_found otherwise, and nothing is written).
   */
  browserLoginWithDashboard(
    userId: string,
    ttlSeconds: number,
    session: string,
  ): Promise<{ portal: string; dashboard: string; dashboardTtl: number }>
  /**
   * Signs a browser out: when `cookie` holds one of the portal's own sign-in tokens, its whole user
   * session ends (the sign-ins made through it, dashboards and apps, end with it). Any other value is
   * ignored. Idempotent.
   */
  browserLogout(cookie: string): Promise<void>
  /** The user behind a browser cookie, or null. */
  browserSession(cookie: string): Promise<{ userId: string } | null>
  /** The user behind a session-scoped gateway cookie, or null (unknown, expired, revoked, another session's). */
  gatewaySession(cookie: string, session: string): Promise<{ userId: string } | null>
}
