/**
 * Who may do what, in one place. Routes authorize through these functions and never decide access
 * inline; use cases trust the routes' decision. Every function is pure: callers load what it needs.
 */
import type { ClientKind } from '../store/auth-records.js'
import type { PortalDefinition } from '../config/types.js'
import { ENDED } from '../domain/session-states.js'
import type { UserKind } from '../domain/types.js'
import type { Session } from '../store/rows.js'
import { isRobot, isStaff, type Actor } from './actor.js'

/** A signed-in user as the gateway knows them (no robot ever reaches a session's own pages). */
export interface SessionUser {
  userId: string
  kind: UserKind
}

const owns = (userId: string, s: Session) => s.owner !== null && s.owner === userId

/**
 * The Educates session endpoints (see, extend, terminate, read the config, post events): the session's
 * owner, staff and robots.
 */
export function mayUseSessionApi(actor: Actor | null, s: Session): actor is Actor {
  if (!actor) return false
  return isRobot(actor) || isStaff(actor) || owns(actor.userId, s)
}

/**
 * Entering a session through its gateway (dashboard, its API, terminals, apps) or seeing it from the
 * portal's session page: the owner and staff. Robots act through the API only.
 */
export function mayEnterSession(user: SessionUser, s: Session): boolean {
  return user.kind === 'staff' || owns(user.userId, s)
}

/** Opening a workspace job's web UI through the gateway: the job's owner and staff. */
export function mayEnterJob(user: SessionUser, job: { ownerId: string }): boolean {
  return user.kind === 'staff' || user.userId === job.ownerId
}

/**
 * Whether `user` may sign in to a session's dashboard, labgate's own (first-party) OAuth client, without
 * a consent page: the session exists here (`s` not null) and has not ended, and the user owns it or is
 * staff.
 */
export function maySignInToSession(user: SessionUser, s: Session | null): boolean {
  return s !== null && !ENDED.includes(s.state) && mayEnterSession(user, s)
}

/**
 * Whether the user must be asked before a client gets a code: registered clients need consent (unless
 * given before for the whole scope); labgate's own clients never show a consent page, they are let
 * through or refused by {@link maySignInToSession}.
 */
export const needsConsent = (clientKind: ClientKind): boolean => clientKind !== 'session'

/** Whether visitors may create an account (`spec.portal.registration`). */
export const mayRegister = (portal: Pick<PortalDefinition, 'registration'>): boolean =>
  portal.registration.enabled

/**
 * The key failed password sign-ins are counted under, the same for the portal's `/login/` form and the
 * token endpoint's password grant so that failures at either count together: the account's id when the
 * typed name is one (username or email), else the typed name, lowercased.
 */
export const signInLimitKey = (typed: string, accountId: string | null): string =>
  accountId !== null ? `id:${accountId}` : `name:${typed.toLowerCase()}`

/** A course page an LMS opened for one of its instructors: who it is for, whose sessions it shows. */
export interface CourseGrantView {
  /** labgate's user id of the instructor. */
  instructor: string
  /** labgate's user ids of the course's learners (`<lms>:<user id>`), as the roster gave them. */
  learners: readonly string[]
  /** The environments of the course's lab: only their sessions are the course's. */
  environments: readonly string[]
  /** When the page stops being usable, ms. */
  expiresAt: number
}

/**
 * Extending or terminating a learner's session from an instructor's course page: only the instructor it
 * was opened for, signed in with the browser cookie, before it expires, and only sessions of the course's
 * lab owned by a learner of that course (not the same learner's sessions of other labs).
 */
export function mayManageCourseSession(
  actor: Actor | null,
  course: CourseGrantView,
  s: Session,
  now: number,
): boolean {
  if (!actor || actor.via !== 'cookie' || actor.userId !== course.instructor) return false
  if (now >= course.expiresAt) return false
  if (!course.environments.includes(s.environment)) return false
  return s.owner !== null && course.learners.includes(s.owner)
}

/**
 * Using the admin console (`/admin/`): staff signed in at the portal with the browser cookie. A bearer
 * token, even a staff member's, does not open it: its forms are guarded by the cookie's CSRF token.
 */
export function mayAdminister(actor: Actor | null): boolean {
  return actor !== null && actor.via === 'cookie' && isStaff(actor)
}

/**
 * Using the admin API (`/admin/api/`): staff, with a bearer access token or the portal's cookie (the
 * route then requires `X-Requested-With` on changes, as CSRF protection).
 */
export function mayUseAdminApi(actor: Actor | null): actor is Actor {
  return actor !== null && isStaff(actor)
}
