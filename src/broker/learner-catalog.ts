import { ALLOCATED, ENDED, NO_SESSIONS } from '../domain/index.js'
import type { Environment, Session } from '../store/rows.js'
import type { BrokerDeps } from './deps.js'

/**
 * What the catalog offers for one workshop, to one visitor: `resume` their session of it, `start` a new
 * one, or nothing (`full`: every session the environment may have is in use and none is waiting).
 */
export type CatalogOffer =
  { kind: 'resume'; session: Session } | { kind: 'start' } | { kind: 'full'; capacity: number }

export interface LearnerCatalogEntry {
  environment: Environment
  offer: CatalogOffer
  /** The user's latest ended session of this workshop's environment, if any (listed as finished). */
  finished: Session | null
}

/**
 * The portal's running workshops as the catalog page shows them to `userId` (null for a visitor who is
 * not signed in), in the portal's order. Three queries whatever the number of workshops and sessions:
 * the environments, the portal's grouped counts, the user's own sessions.
 */
export async function learnerCatalog(
  deps: Pick<BrokerDeps, 'store' | 'portal'>,
  userId: string | null,
): Promise<LearnerCatalogEntry[]> {
  const { store, portal } = deps
  const [environments, counts, mine] = await Promise.all([
    store.listEnvironments({ portal: portal.name, states: ['RUNNING'] }),
    store.countSessions(portal.name),
    userId === null
      ? Promise.resolve([] as Session[])
      : store.listSessions({ owner: userId, portal: portal.name }),
  ])
  return environments.map((environment) => {
    const own = mine.filter((s) => s.environment === environment.name)
    const finished = own.filter((s) => ENDED.includes(s.state)).at(-1) ?? null
    const held = own.filter((s) => ALLOCATED.includes(s.state)).at(-1)
    if (held) return { environment, offer: { kind: 'resume', session: held }, finished }
    const c = counts.environments.get(environment.name) ?? NO_SESSIONS
    const capacity = environment.settings.capacity
    const full = capacity > 0 && c.holding >= capacity && c.waiting === 0
    return { environment, offer: full ? { kind: 'full', capacity } : { kind: 'start' }, finished }
  })
}
