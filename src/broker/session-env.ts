import type { PortalWorkshop } from '../config/types.js'
import type { Session } from '../store/rows.js'
import type { SessionSecrets } from './session-secrets.js'

/**
 * The environment variables every process in a session's sandbox gets: the workshop's `env`, the
 * portal's `env` for the workshop, the request parameters, and the session's identity. Later entries win.
 */
export function sessionEnvironment(
  s: Session,
  settings: PortalWorkshop,
  secrets: SessionSecrets,
): Record<string, string> {
  const env: Record<string, string> = {}
  for (const e of settings.workshop.env) env[e.name] = e.value
  for (const e of settings.env) env[e.name] = e.value
  Object.assign(env, s.params)
  env.SESSION_NAME = s.name
  env.SESSION_NAMESPACE = s.name
  env.ENVIRONMENT_NAME = s.environment
  env.WORKSHOP_NAME = s.workshop
  env.PORTAL_NAME = s.portal
  env.CONFIG_PASSWORD = secrets.configPassword(s)
  return env
}
