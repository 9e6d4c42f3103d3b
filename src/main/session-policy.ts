import type { BrokerDeps } from '../broker/deps.js'
import { hasEnded } from '../domain/session-states.js'
import { sessionOfClient } from '../gateway/session-client.js'

/**
 * Whether `userId` may sign in to the dashboard whose OAuth client is `clientId`: the session exists in
 * this portal, has not stopped, and the user owns it or is staff. False for any other client.
 */
export async function mayUseSession(deps: BrokerDeps, clientId: string, userId: string): Promise<boolean> {
  const name = sessionOfClient(clientId)
  const s = name === null ? null : await deps.store.getSession(name)
  if (!s || s.portal !== deps.portal.name || hasEnded(s.state)) return false
  if (s.owner === userId) return true
  return (await deps.store.getUser(userId))?.kind === 'staff'
}
