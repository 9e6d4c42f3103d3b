/**
 * Sends a launched learner's browser into their session. A session launched for the first time is
 * entered through its activation URL, which signs the browser in. A session activated before (the learner
 * launches again, perhaps from another browser) has a used-up activation URL: the LMS vouched for the
 * learner just now, so the browser is signed in here and sent to the dashboard.
 */
import type { FastifyReply } from 'fastify'
import type { Authenticator } from '../../http/authenticator.js'
import { sessionSignInCookie } from '../../http/sign-in-cookie.js'
import type { LaunchOutcome } from './launch-lab.js'

/** Answers `reply` with a 303 into the session of `outcome`, signing the browser in where needed. */
export async function enterSession(
  reply: FastifyReply,
  outcome: LaunchOutcome & { ok: true },
  o: { auth: Authenticator; portalUrl: string; now: number },
): Promise<FastifyReply> {
  void reply.header('cache-control', 'no-store')
  if (!outcome.activated) return reply.redirect(outcome.location, 303)
  const cookie = await sessionSignInCookie(o.auth, {
    userId: outcome.userId,
    expiresAt: outcome.expiresAt,
    now: o.now,
    portalUrl: o.portalUrl,
  })
  return reply.header('set-cookie', cookie).redirect(outcome.dashboard, 303)
}
