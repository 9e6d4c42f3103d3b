/**
 * Provisioning of the Educates robot: its user and its OAuth client, from the portal's
 * `spec.portal.credentials.robot` and `spec.portal.clients.robot`, with random values for what is absent.
 */
import { randomUUID } from 'node:crypto'
import type { Clock } from '../domain/clock.js'
import { LabgateError } from '../domain/errors.js'
import type { AuthStore } from '../store/auth-store.js'
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
  auth: AuthStore
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
 * its client sign-ins.
 *
 * Throws `config_invalid` when the username or client id belongs to a user or client that is not the
 * robot's.
 */
export async function ensureRobot(input: EnsureRobotInput): Promise<RobotCredentials> {
  const now = input.clock.now()
  return input.auth.transaction(async (tx) => {
    const settings = await tx.settingsWithPrefix('robot.')
    let generated = false
    const resolve = async (key: string, given: string | undefined, make: () => string): Promise<string> => {
      if (given !== undefined) {
        if (settings.has(key)) await tx.deleteSetting(key)
        return given
      }
      generated = true
      const kept = settings.get(key)
      if (kept !== undefined) return kept
      const value = make()
      await tx.putSetting(key, value)
      return value
    }

    const username = input.username ?? DEFAULT_ROBOT_USERNAME
    const userId = await ensureUser(tx, settings.get(ROBOT_SETTINGS.userId), username, now)
    const password = await resolve(ROBOT_SETTINGS.password, input.password, () => randomToken(24))
    const user = await tx.getUserCredentials(userId)
    if (!(await hashMatches(password, user?.passwordHash ?? null)))
      await tx.updateUserCredentials(userId, { passwordHash: await hashPassword(password) }, now)

    const clientId = await resolve(ROBOT_SETTINGS.clientId, input.clientId, () => randomToken(30))
    const clientSecret = await resolve(ROBOT_SETTINGS.clientSecret, input.clientSecret, () => randomToken(48))
    await ensureClient(tx, clientId, clientSecret, now)
    return { username, password, clientId, clientSecret, generated }
  })
}

/** The robot user's id: found by its remembered id, else by username, else created. */
async function ensureUser(
  tx: AuthStore,
  knownId: string | undefined,
  username: string,
  now: number,
): Promise<string> {
  const byName = await tx.findUserByUsername(username)
  const known = knownId ? await tx.getUserCredentials(knownId) : null
  if (byName && byName.id !== known?.id && byName.kind !== 'robot')
    throw new LabgateError('config_invalid', `robot username ${username} is taken by a ${byName.kind} user`)
  if (byName && byName.id !== known?.id && known)
    throw new LabgateError('config_invalid', `robot username ${username} is taken by another robot user`)
  const id = known?.id ?? byName?.id ?? randomUUID()
  if (known) {
    if (known.username !== username) await tx.updateUserCredentials(id, { username }, now)
  } else if (!byName) {
    await tx.createUser({ id, username, kind: 'robot', passwordHash: null, at: now })
  }
  if (knownId !== id) await tx.putSetting(ROBOT_SETTINGS.userId, id)
  return id
}

/**
 * Creates the robot client or brings it to the canonical grants, scope and secret; retires other robot
 * clients (no grant types, their client sign-ins revoked).
 */
async function ensureClient(tx: AuthStore, clientId: string, secret: string, now: number): Promise<void> {
  const existing = await tx.getClientWithSecret(clientId)
  if (existing && existing.client.kind !== 'robot')
    throw new LabgateError(
      'config_invalid',
      `robot client id ${clientId} is taken by a ${existing.client.kind} client`,
    )
  const canonical = {
    name: 'Educates robot',
    kind: 'robot' as const,
    grantTypes: ['password', 'refresh_token'],
    scopes: ['user:info'],
    redirectUris: [],
  }
  const kept = existing?.secretHash ?? null
  const secretHash = kept !== null && (await hashMatches(secret, kept)) ? kept : await hashPassword(secret)
  if (existing) await tx.updateClient(clientId, { ...canonical, secretHash })
  else
    await tx.createClient({
      id: clientId,
      secretHash,
      usageRules: null,
      subjectType: 'public',
      sectorIdentifier: null,
      createdAt: now,
      ...canonical,
    })
  for (const other of await tx.listClients('robot')) {
    if (other.id === clientId || other.grantTypes.length === 0) continue
    await tx.updateClient(other.id, { grantTypes: [] })
    await tx.revokeClientSignInsOf(other.id)
  }
}

/** True when `stored` is a hash of `secret`; false for null (nothing stored yet). */
const hashMatches = async (secret: string, stored: string | null) =>
  stored !== null && (await verifyPassword(secret, stored))
