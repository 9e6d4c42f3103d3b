import { NO_SESSIONS } from '../../domain/allocation.js'
import type { EnvironmentState } from '../../domain/types.js'
import type { BrokerDeps } from '../deps.js'

/** One environment as the admin console shows it. */
export interface EnvironmentRow {
  name: string
  workshop: string
  title: string
  state: EnvironmentState
  /** Max sessions at once; 0 = unlimited. */
  capacity: number
  /** Reserve sessions the environment keeps waiting. */
  reserved: number
  /** Sessions with an owner that hold capacity. */
  allocated: number
  /** Sessions holding capacity without an owner (waiting or starting reserves). */
  unallocated: number
  /** Room for more sessions, `capacity - holding` (null when capacity is unlimited). */
  available: number | null
}

/**
 * Every environment of the portal (stopped ones last) with its live counts: two bounded reads (the
 * environments, and the per-environment counts that triggers keep), whatever the number of sessions.
 */
export async function environmentOverview(
  deps: Pick<BrokerDeps, 'store' | 'portal'>,
): Promise<EnvironmentRow[]> {
  const portal = deps.portal.name
  const [environments, counts] = await Promise.all([
    deps.store.listEnvironments({ portal }),
    deps.store.countSessions(portal),
  ])
  const rank = (s: EnvironmentState) => (s === 'STOPPED' ? 1 : 0)
  return environments
    .map((e) => {
      const c = counts.environments.get(e.name) ?? NO_SESSIONS
      const capacity = e.settings.capacity
      return {
        name: e.name,
        workshop: e.workshop,
        title: e.settings.workshop.title || e.workshop,
        state: e.state,
        capacity,
        reserved: e.settings.reserved,
        allocated: c.allocated,
        unallocated: c.unallocated,
        available: capacity > 0 ? Math.max(0, capacity - c.holding) : null,
      }
    })
    .sort((a, b) => rank(a.state) - rank(b.state))
}
