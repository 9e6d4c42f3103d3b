import { forbidden } from '../domain/errors.js'
import type { Environment, Session } from '../store/rows.js'
import type { BrokerDeps } from './deps.js'

type Reads = Pick<BrokerDeps, 'store' | 'portal'>

/**
 * The environment a robot may request a session of: RUNNING and of this portal. Throws forbidden
 * (`Environment does not exist`, Educates' answer) otherwise.
 */
export async function requestableEnvironment(deps: Reads, name: string): Promise<Environment> {
  const environment = await deps.store.getEnvironment(name)
  if (!environment || environment.state !== 'RUNNING' || environment.portal !== deps.portal.name)
    throw forbidden('Environment does not exist')
  return environment
}

/** This portal's RUNNING environments (what visitors are offered). */
export async function runningEnvironments(deps: Reads): Promise<Environment[]> {
  return deps.store.listEnvironments({ portal: deps.portal.name, states: ['RUNNING'] })
}

/** The environment of a session, or null when it is gone (purged). */
export async function environmentOf(
  deps: Pick<BrokerDeps, 'store'>,
  s: Session,
): Promise<Environment | null> {
  return deps.store.getEnvironment(s.environment)
}
