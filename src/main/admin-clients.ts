import type { ClientRegistry } from '../broker/admin/oauth-clients.js'
import type { Clock } from '../domain/clock.js'
import {
  disableOAuthClient,
  listOAuthClients,
  registerOAuthClient,
  rotateOAuthClientSecret,
} from '../oauth/clients.js'
import type { AuthStore } from '../store/auth-store.js'

/** The admin console's client registry over the authorization server's client use cases. */
export function adminClientRegistry(deps: { auth: AuthStore; clock: Clock }): ClientRegistry {
  return {
    list: () => listOAuthClients(deps.auth),
    register: (input) => registerOAuthClient(deps, input),
    disable: (clientId) => disableOAuthClient(deps, clientId),
    rotate: (clientId) => rotateOAuthClientSecret(deps, clientId),
  }
}
