import type { GrantManager } from '../../auth/grant-manager.js'
import type { AuditStore } from '../../store/audit-store.js'
import type { AuthStore } from '../../store/auth-store.js'
import type { BrokerDeps } from '../deps.js'

/**
 * What the admin console's use cases need: the broker's dependencies (store, clock, runner, events,
 * portal), the audit trail every staff action is written to, and the grant/token store (accounts, and
 * the revocation of a disabled user's sign-ins and tokens).
 */
export interface AdminDeps {
  broker: BrokerDeps
  audit: AuditStore
  auth: AuthStore
  /** Revokes a disabled user's sign-ins, grants and tokens (and drops them from the token cache). */
  grants: Pick<GrantManager, 'revokeUserSignInsOf'>
}
