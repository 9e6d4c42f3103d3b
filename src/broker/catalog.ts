import { VISIBLE } from '../domain/session-states.js'
import type { EnvironmentState } from '../domain/types.js'
import type { Environment, Session } from '../store/rows.js'
import type { BrokerDeps } from './deps.js'

export interface CatalogFilter {
  states: EnvironmentState[]
  names: string[]
  labels: Record<string, string>
  withSessions: boolean
}

export interface CatalogEntry {
  environment: Environment
  allocated: number
  available: number
  sessions: Session[]
}

export interface Catalog {
  entries: CatalogEntry[]
  /** Allocated sessions across the portal. */
  allocated: number
}

/**
 * The portal's environments with their counts, filtered by state (default RUNNING), workshop name and
 * labels (all must match); with each environment's allocated sessions when asked. One query for the
 * counts and at most one for the sessions, whatever the number of environments.
 */
export async function listCatalog(deps: BrokerDeps, f: CatalogFilter): Promise<Catalog> {
  const { store, portal } = deps
  const [environments, counts] = await Promise.all([
    store.listEnvironments({ portal: portal.name, states: f.states }),
    store.countSessions(portal.name),
  ])
  const chosen = environments.filter(
    (e) =>
      (f.names.length === 0 || f.names.includes(e.workshop)) &&
      Object.entries(f.labels).every(
        ([k, v]) => e.settings.labels[k] === v || e.settings.workshop.labels[k] === v,
      ),
  )
  const sessions = f.withSessions ? await store.listSessions({ portal: portal.name, states: VISIBLE }) : []
  let allocated = 0
  for (const c of counts.environments.values()) allocated += c.allocated
  const entries = chosen.map((environment) => {
    const c = counts.environments.get(environment.name)
    return {
      environment,
      allocated: c?.allocated ?? 0,
      available: c?.waiting ?? 0,
      sessions: sessions.filter((s) => s.environment === environment.name && s.owner !== null),
    }
  })
  return { entries, allocated }
}
