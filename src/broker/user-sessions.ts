import { ALLOCATED } from '../domain/session-states.js'
import type { Environment, Session } from '../store/rows.js'
import type { BrokerDeps } from './deps.js'

/**
 * A user's sessions in this portal that are allocated and have not ended (STARTING or RUNNING), each
 * with its environment (null when that is gone). An unknown user has none.
 */
export async function userSessions(
  deps: Pick<BrokerDeps, 'store' | 'portal'>,
  userId: string,
): Promise<{ session: Session; environment: Environment | null }[]> {
  const { store, portal } = deps
  const sessions = await store.listSessions({ owner: userId, portal: portal.name, states: [...ALLOCATED] })
  const envs = new Map((await store.listEnvironments({ portal: portal.name })).map((e) => [e.name, e]))
  return sessions.map((session) => ({ session, environment: envs.get(session.environment) ?? null }))
}
