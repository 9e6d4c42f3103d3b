import { notFound } from '../domain/errors.js'
import { resolveParameters } from '../domain/parameters.js'
import type { Session } from '../store/rows.js'
import { activateSession } from './activate-session.js'
import type { BrokerDeps } from './deps.js'
import { requestSession } from './request-session.js'

export interface StartWorkshop {
  /** The environment whose Start button was pressed. */
  environment: string
  /** The signed-in user starting it for themselves (any kind but a robot). */
  userId: string
  /** Where the learner goes when the session ends (the portal's front page). */
  indexUrl: string
}

/**
 * Starts a workshop from the portal's catalog for a signed-in user, as Educates'
 * `/workshops/environment/<name>/create/` does: the user's session of that environment when they hold one
 * (Resume), else a new one within the environment's capacity, the portal maximum and the user's cap. The
 * user is in front of the page, so the session is activated at once (its full duration starts now); the
 * workshop's request parameters take their declared or generated values.
 *
 * Throws not_found for an environment that is not running in this portal, `NoSessionAvailable` (503,
 * with the limit that was reached) when nothing can be allocated, forbidden for a robot.
 */
export async function startWorkshop(deps: BrokerDeps, o: StartWorkshop): Promise<Session> {
  const environment = await deps.store.getEnvironment(o.environment)
  if (!environment || environment.state !== 'RUNNING' || environment.portal !== deps.portal.name)
    throw notFound(`There is no workshop ${o.environment} running in this portal.`)
  const r = await requestSession(deps, {
    via: 'portal',
    environment: environment.name,
    user: o.userId,
    details: {},
    indexUrl: o.indexUrl,
    timeout: 0,
    params: resolveParameters(environment.settings.workshop.requestParameters, [], deps.random),
  })
  if (r.session.activatedAt !== null) return r.session
  return (await activateSession(deps, r.session.name, r.token, o.userId)).session
}
