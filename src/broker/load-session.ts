import { forbidden, notFound } from '../domain/errors.js'
import { isSafeName } from '../domain/index.js'
import { SESSION_STATES, VISIBLE } from '../domain/session-states.js'
import type { SessionState } from '../domain/types.js'
import type { Session } from '../store/rows.js'
import type { Actor } from './actor.js'
import type { BrokerDeps } from './deps.js'
import { mayUseSessionApi } from './policies.js'

/**
 * The lab session `name` of this portal when it is in one of `states` (any state when absent), else
 * null: for an impossible name, a session that does not exist, another portal's, or one in another state.
 * Never throws for "not found"; what a missing session means is the caller's (a 404, a page, a redirect).
 */
export async function loadSession(
  deps: Pick<BrokerDeps, 'store' | 'portal'>,
  name: string,
  states: readonly SessionState[] = SESSION_STATES,
): Promise<Session | null> {
  if (!isSafeName(name)) return null
  const s = await deps.store.getSession(name)
  if (!s || s.portal !== deps.portal.name || !states.includes(s.state)) return null
  return s
}

/**
 * Loads a session for one of the Educates session endpoints and checks the caller may use it. The
 * credential comes first: an anonymous caller is forbidden before anything is looked up, so it learns
 * nothing. Throws not_found for a session that is not VISIBLE here (Educates: 404), forbidden for anyone
 * but the owner, staff or a robot.
 */
export async function loadSessionFor(deps: BrokerDeps, name: string, actor: Actor | null): Promise<Session> {
  if (!actor) throw forbidden()
  const s = await loadSession(deps, name, VISIBLE)
  if (!s) throw notFound('Session does not exist')
  if (!mayUseSessionApi(actor, s)) throw forbidden()
  return s
}
