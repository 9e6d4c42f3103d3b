/**
 * Provisioning of the Educates robot: its user and its OAuth client, from the portal's
 * `spec.portal.credentials.robot` and `spec.portal.clients.robot`, with random values for what is absent.
 */
import { randomUUID } from 'node:crypto'
import type { Kysely, Transaction } from 'kysely'
import type { Clock } from '../domain/clock.js'
import { LabgateError } from '../domain/errors.js'
import type { Database } from '../store/schema.js'
import { hashPassword, randomToken, verifyPassword } from './secrets.js'

/** Username of the robot when the portal names none (Educates' default). */
export const DEFAULT_ROBOT_USERNAME = 'robot@educates'

/** `settings` keys of the robot. The last three hold a value only while it is a generated one. */
export const ROBOT_SETTINGS = {
  userId: 'robot.user_id',
  password: 'robot.password',
  clientId: 'robot.client_id',
  clientSecret: 'robot.client_secret',
} as const

export interface EnsureRobotInput {
  db: Kysely<Database>
  clock: Clock
  username?: string
  password?: string
  clientId?: string
  clientSecret?: string
}

/** The robot's effective credentials, in plain text, for the operator. */
export interface RobotCredentials {
  username: string
  password: string
  clientId: string
  clientSecret: string
  /** True when any of password, client id or secret is a generated value (now or on an earlier start). */
  generated: boolean
}

type Trx = Transaction<Database>

/**
 * Creates or updates the robot user (kind `robot`) and the robot OAuth client (kind `robot`, grants
 * `password` + `refresh_token`, scope `user:info`) so that they match the given values. Idempotent: a
 * second call with the same input changes nothing and returns the same credentials.
 *
 * A value that is absent is generated on the first call and kept. Trade-off: only hashes prove a password
 * or secret, yet the operator must be able to read generated ones on every start; so a *generated*
 * password, client id or secret is also stored in plain text in `settings` (`ROBOT_SETTINGS`), and only
 * then. Configure them to avoid that: a configured value replaces the stored hash and deletes its
 * plain-text setting. A replaced client id disables the old robot client (no grant types) and revokes
 * its client sessions.
 *
 * Throws `config_invalid` when the username or client id belongs to a user or client that is not the
 * robot's.
 */
export async function ensureRobot(input: EnsureRobotInput): Promise<RobotCredentials> {
  const now = input.clock.now()
  return input.db.transaction().execute(async (trx) => {
    const settings = new Map(
      (await trx.selectFrom('settings').selectAll().where('key', 'like', 'robot.%').execute()).map((s) => [
        s.key,
        s.value,
      ]),
    )
    let generated = false
    const resolve = async (key: string, given: string | undefined, make: () => string): Promise<string> => {
      if (given !== undefined) {
        if (settings.has(key)) await trx.deleteFrom('settings').where('key', '=', key).execute()
        return given
      }
      generated = true
      const kept = settings.get(key)
      if (kept !== undefined) return kept
      const value = make()
      await putSetting(trx, key, value)
      return value
    }

    const username = input.username ?? DEFAULT_ROBOT_USERNAME
    const userId = await ensureUser(trx, settings.get(ROBOT_SETTINGS.userId), username, now)
    const password = await resolve(ROBOT_SETTINGS.password, input.password, () => randomToken(24))
    const user = await trx
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', userId)
      .executeTakeFirstOrThrow()
    if (!(await hashMatches(password, user.password_hash)))
      await trx
        .updateTable('users')
        .set({ password_hash: await hashPassword(password) })
        .where('id', '=', userId)
        .execute()

    const clientId = await resolve(ROBOT_SETTINGS.clientId, input.clientId, () => randomToken(30))
    const clientSecret = await resolve(ROBOT_SETTINGS.clientSecret, input.clientSecret, () => randomToken(48))
    await ensureClient(trx, clientId, clientSecret, now)
    return { username, password, clientId, clientSecret, generated }
  })
}

async function putSetting(trx: Trx, key: string, value: string): Promise<void> {
  await trx
    .insertInto('settings')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute()
}

/** The robot user's id: found by its remembered id, else by username, else created. */
async function ensureUser(
  trx: Trx,
  knownId: string | undefined,
  username: string,
  now: number,
): Promise<string> {
  const byName = await trx
    .selectFrom('users')
    .select(['id', 'kind'])
    .where('username', '=', username)
    .executeTakeFirst()
  const known = knownId
    ? await trx.selectFrom('users').select(['id', 'username']).where('id', '=', knownId).executeTakeFirst()
    : undefined
  if (byName && byName.id !== known?.id && byName.kind !== 'robot')
    throw new LabgateError('config_invalid', `robot username ${username} is taken by a ${byName.kind} user`)
  if (byName && byName.id !== known?.id && known)
    throw new LabgateError('config_invalid', `robot username ${username} is taken by another robot user`)
  const id = known?.id ?? byName?.id ?? randomUUID()
  if (known) {
    if (known.username !== username)
      await trx.updateTable('users').set({ username, updated_at: now }).where('id', '=', id).execute()
  } else if (!byName) {
    await trx
      .insertInto('users')
      .values({
        id,
        username,
        kind: 'robot',
        email: null,
        first_name: null,
        last_name: null,
        password_hash: null,
        created_at: now,
        updated_at: now,
      })
      .execute()
  }
  if (knownId !== id) await putSetting(trx, ROBOT_SETTINGS.userId, id)
  return id
}

/**
 * Creates the robot client or brings it to the canonical grants, scope and secret; retires other robot
 * clients.
 */
async function ensureClient(trx: Trx, clientId: string, secret: string, now: number): Promise<void> {
  const existing = await trx
    .selectFrom('oauth_clients')
    .select(['kind', 'secret_hash'])
    .where('id', '=', clientId)
    .executeTakeFirst()
  if (existing && existing.kind !== 'robot')
    throw new LabgateError(
      'config_invalid',
      `robot client id ${clientId} is taken by a ${existing.kind} client`,
    )
  const canonical = {
    name: 'Educates robot',
    kind: 'robot',
    grant_types: JSON.stringify(['password', 'refresh_token']),
    scopes: JSON.stringify(['user:info']),
    redirect_uris: '[]',
  }
  const kept = existing?.secret_hash ?? null
  const secret_hash = kept !== null && (await hashMatches(secret, kept)) ? kept : await hashPassword(secret)
  if (existing)
    await trx
      .updateTable('oauth_clients')
      .set({ ...canonical, secret_hash })
      .where('id', '=', clientId)
      .execute()
  else
    await trx
      .insertInto('oauth_clients')
      .values({ id: clientId, secret_hash, usage_rules: null, created_at: now, ...canonical })
      .execute()
  const retired = await trx
    .selectFrom('oauth_clients')
    .select('id')
    .where('kind', '=', 'robot')
    .where('id', '!=', clientId)
    .where('grant_types', '!=', '[]')
    .execute()
  for (const { id } of retired) {
    await trx.updateTable('oauth_clients').set({ grant_types: '[]' }).where('id', '=', id).execute()
    await trx.updateTable('auth_client_sessions').set({ revoked: 1 }).where('client_id', '=', id).execute()
  }
}

/** True when `stored` is a hash of `secret`; false for null (nothing stored yet). */
const hashMatches = async (secret: string, stored: string | null) =>
  stored !== null && (await verifyPassword(secret, stored))
