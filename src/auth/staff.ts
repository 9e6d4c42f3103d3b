import { randomUUID } from 'node:crypto'
import type { Clock } from '../domain/clock.js'
import { LabgateError } from '../domain/errors.js'
import type { AuthStore } from '../store/auth-store.js'
import { hashPassword, verifyPassword } from './secrets.js'

/**
 * Creates or updates the portal's admin, a staff user, from `spec.portal.credentials.admin`: the user
 * with that username gets kind `staff` and the given password (stored as a scrypt hash; rehashed only when
 * it changed). Idempotent. Throws `config_invalid` when the username belongs to a user who is not staff
 * (a robot, or someone who registered that name). Returns the id.
 */
export async function ensureStaffUser(
  auth: AuthStore,
  clock: Clock,
  username: string,
  password: string,
): Promise<string> {
  const now = clock.now()
  const existing = await auth.findUserByUsername(username)
  // Never promote an account someone else made (a registered user who picked this name) to staff.
  if (existing && existing.kind !== 'staff') {
    throw new LabgateError(
      'config_invalid',
      `admin username ${username} already belongs to a ${existing.kind} user; choose another`,
    )
  }
  if (existing) {
    const same = await verifyPassword(password, existing.passwordHash)
    await auth.updateUserCredentials(
      existing.id,
      { kind: 'staff', ...(same ? {} : { passwordHash: await hashPassword(password) }) },
      now,
    )
    return existing.id
  }
  const id = randomUUID()
  await auth.createUser({ id, username, kind: 'staff', passwordHash: await hashPassword(password), at: now })
  return id
}
