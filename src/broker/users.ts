import { randomUUID } from 'node:crypto'
import { badRequest, forbidden } from '../domain/errors.js'
import type { UserDetails } from '../domain/user-details.js'
import type { User } from '../store/rows.js'
import type { Store } from '../store/store.js'
import type { BrokerDeps } from './deps.js'

/**
 * The user a robot's request is for: the user with the given id (created as an anonymous user with
 * exactly that id when labgate has never seen it), or a new anonymous user with a random id. Staff and
 * robots cannot be the target (bad_request), nor a user staff disabled (`forbidden`, "User … is disabled",
 * nothing changed). Details that are given replace the stored ones.
 * Returns the user and whether it was created.
 */
export async function resolveApiUser(
  deps: Pick<BrokerDeps, 'clock'>,
  store: Store,
  id: string | undefined,
  details: UserDetails,
): Promise<{ user: User; created: boolean }> {
  const at = deps.clock.now()
  if (id !== undefined) {
    if (id.length === 0 || id.length > 255 || hasControlCharacter(id)) throw badRequest('Invalid user id')
    const existing = await store.getUser(id)
    if (existing) {
      if (existing.kind === 'staff' || existing.kind === 'robot')
        throw badRequest('Sessions cannot be requested for staff or robot users')
      if (existing.disabled) throw forbidden(`User ${id} is disabled: staff disabled this account.`)
      const user = (await store.updateUserDetails(id, details, at)) ?? existing
      return { user, created: false }
    }
  }
  const user = await store.createUser({ id: id ?? randomUUID(), kind: 'anonymous', ...details, at })
  return { user, created: true }
}

/** True when `s` holds a C0 control character or DEL. */
export function hasControlCharacter(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x20 || c === 0x7f) return true
  }
  return false
}
