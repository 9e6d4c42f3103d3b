import type { BrokerDeps } from './deps.js'
import { loadSession } from './load-session.js'
import { maySignInToSession } from './policies.js'

/**
 * Whether `userId` may sign in to session `sessionName`'s dashboard client (see `maySignInToSession`).
 * False for a null name (a client that is not a session's) and for an unknown user.
 */
export async function firstPartySignIn(
  deps: Pick<BrokerDeps, 'store' | 'portal'>,
  sessionName: string | null,
  userId: string,
): Promise<boolean> {
  const s = sessionName === null ? null : await loadSession(deps, sessionName)
  if (!s) return false
  const user = await deps.store.getUser(userId)
  return user !== null && maySignInToSession({ userId, kind: user.kind }, s)
}
