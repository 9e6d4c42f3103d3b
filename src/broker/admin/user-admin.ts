import { badRequest, notFound } from '../../domain/errors.js'
import type { UserKind } from '../../domain/types.js'
import type { User } from '../../store/rows.js'
import type { AdminDeps } from './admin-deps.js'
import { auditStaffAction } from './audit-action.js'

/** Users shown per search at most. */
export const USERS_PER_SEARCH = 50
/** The kinds the console lists and manages: robots are the portal configuration's. */
const MANAGED: readonly UserKind[] = ['registered', 'staff', 'anonymous']

/**
 * Users whose name, username or email contains `query` (case-insensitive; empty: everyone), robots
 * left out, at most {@link USERS_PER_SEARCH} by id. Throws `bad_request` for a query over 200 characters.
 */
export async function searchUsersAsStaff(a: Pick<AdminDeps, 'broker'>, query: string): Promise<User[]> {
  if (query.length > 200) throw badRequest('The search must be at most 200 characters.')
  return a.broker.store.searchUsers(query.trim(), { excludeId: '', kinds: MANAGED, limit: USERS_PER_SEARCH })
}

/** Reads an on/off form value. Throws `bad_request` for anything else. */
export function parseOnOff(value: string | undefined, field: string): boolean {
  if (value === 'on') return true
  if (value === 'off') return false
  throw badRequest(`${field} must be on or off`)
}

async function managedUser(a: AdminDeps, id: string): Promise<User> {
  const user = id ? await a.broker.store.getUser(id) : null
  if (!user) throw notFound('There is no such user.')
  return user
}

const nameOf = (u: User) => u.username ?? u.id

/**
 * Sets (`staff` true) or clears a user's staff flag: the user becomes `staff`, or `registered` again.
 * Returns the message to show. Throws `not_found` (unknown user), `bad_request` for staff clearing their
 * own flag, for a robot or an anonymous user (who cannot sign in at the portal) made staff; refusals
 * change nothing. Audited as `admin.user.staff`.
 */
export async function setStaffFlag(
  a: AdminDeps,
  staffId: string,
  targetId: string,
  staff: boolean,
): Promise<string> {
  const user = await managedUser(a, targetId)
  const audit = {
    kind: 'admin.user.staff' as const,
    staffId,
    data: { target: user.id, username: user.username, staff },
  }
  let refusal: string | null = null
  if (!staff && user.id === staffId)
    refusal = 'You cannot remove your own staff flag: ask another staff member.'
  else if (user.kind !== 'registered' && user.kind !== 'staff')
    refusal = `${nameOf(user)} is a ${user.kind} user: only registered users can be made staff.`
  if (refusal) {
    await auditStaffAction(a, { ...audit, outcome: 'refused', reason: refusal })
    throw badRequest(refusal)
  }
  const kind: UserKind = staff ? 'staff' : 'registered'
  if (user.kind !== kind) await a.auth.updateUserCredentials(user.id, { kind }, a.broker.clock.now())
  await auditStaffAction(a, { ...audit, outcome: 'ok' })
  return staff ? `${nameOf(user)} is now staff.` : `${nameOf(user)} is no longer staff.`
}

/**
 * Disables (`disabled` true) or enables a user. Disabling also revokes every sign-in, grant and token
 * of the user, so the browser cookies and API tokens they hold stop working. Returns the message to
 * show. Throws `not_found` (unknown user) and `bad_request` for staff disabling themselves or a robot;
 * refusals change nothing. Audited as `admin.user.disable`.
 */
export async function setUserDisabled(
  a: AdminDeps,
  staffId: string,
  targetId: string,
  disabled: boolean,
): Promise<string> {
  const user = await managedUser(a, targetId)
  const audit = {
    kind: 'admin.user.disable' as const,
    staffId,
    data: { target: user.id, username: user.username, disabled },
  }
  let refusal: string | null = null
  if (disabled && user.id === staffId) refusal = 'You cannot disable your own account.'
  else if (user.kind === 'robot')
    refusal = 'Robots are set by the portal configuration: they cannot be disabled here.'
  if (refusal) {
    await auditStaffAction(a, { ...audit, outcome: 'refused', reason: refusal })
    throw badRequest(refusal)
  }
  await a.broker.store.setUserDisabled(user.id, disabled, a.broker.clock.now())
  const revoked = disabled ? await a.grants.revokeUserSignInsOf(user.id) : 0
  await auditStaffAction(a, { ...audit, outcome: 'ok', data: { ...audit.data, revokedSignIns: revoked } })
  return disabled
    ? `${nameOf(user)} is disabled: their ${revoked} sign-in${revoked === 1 ? '' : 's'} ended.`
    : `${nameOf(user)} is enabled again.`
}
