import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Clock } from '../domain/clock.js'
import { LabgateError } from '../domain/errors.js'
import type { Database } from '../store/schema.js'
import { hashPassword, verifyPassword } from './secrets.js'

/**
 * Creates or updates the portal's admin, a staff user, from `spec.portal.credentials.admin`: the user
 * with that username gets kind `staff` and the given password (stored as a scrypt hash; rehashed only when
 * it changed). Idempotent. Throws `config_invalid` when the username belongs to a user who is not staff
 * (a robot, or someone who registered that name). Returns the id.
 */
export async function ensureStaffUser(
  db: Kysely<Database>,
  clock: Clock,
  username: string,
  password: string,
): Promise<string> {
  const now = clock.now()
  const existing = await db
    .selectFrom('users')
    .select(['id', 'kind', 'password_hash'])
    .where('username', '=', username)
    .executeTakeFirst()
  // Never promote an account someone else made (a registered user who picked this name) to staff.
  if (existing && existing.kind !== 'staff') {
    throw new LabgateError(
      'config_invalid',
      `admin username ${username} already belongs to a ${existing.kind} user; choose another`,
    )
  }
  if (existing) {
    const same = await verifyPassword(password, existing.password_hash)
    await db
      .updateTable('users')
      .set({
        kind: 'staff',
        updated_at: now,
        ...(same ? {} : { password_hash: await hashPassword(password) }),
      })
      .where('id', '=', existing.id)
      .execute()
    return existing.id
  }
  const id = randomUUID()
  await db
    .insertInto('users')
    .values({
      id,
      username,
      kind: 'staff',
      email: null,
      first_name: null,
      last_name: null,
      password_hash: await hashPassword(password),
      created_at: now,
      updated_at: now,
    })
    .execute()
  return id
}
