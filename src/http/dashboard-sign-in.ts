import type { FastifyRequest } from 'fastify'

/**
 * What a session's activation needs of the dashboards' sign-in to send its owner straight to the
 * dashboard, signed in (implemented by the gateway's `SessionSignIn`).
 */
export interface DashboardSignInAtOnce {
  /**
   * True, with session `name`'s dashboard client registered, where the portal answering `req` can set
   * the dashboard's cookie itself; false elsewhere. Only for a browser known to be the session's owner.
   */
  readyAtOnce(req: FastifyRequest, name: string): Promise<boolean>
  /** The `Set-Cookie` value for the dashboard's `token` (valid `ttl` s), and the dashboard's path. */
  dashboardCookie(
    req: FastifyRequest,
    name: string,
    token: string,
    ttl: number,
  ): { cookie: string; path: string }
}
