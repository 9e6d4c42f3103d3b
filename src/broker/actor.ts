import { forbidden } from '../domain/errors.js'
import type { UserKind } from '../domain/types.js'
import type { Session } from '../store/rows.js'

/** Who is calling: the user behind a bearer token or the browser's sign-in cookie. */
export interface Actor {
  userId: string
  kind: UserKind
  /** How the caller proved who they are; cookie callers get extra CSRF checks on changes. */
  via: 'bearer' | 'cookie'
}

export const isRobot = (a: Actor | null): boolean => a?.kind === 'robot'
export const isStaff = (a: Actor | null): boolean => a?.kind === 'staff'

/** The session endpoints allow the session's owner, staff and robots. Throws forbidden otherwise. */
export function assertSessionAccess(actor: Actor | null, s: Session): asserts actor is Actor {
  if (!actor) throw forbidden()
  if (actor.kind === 'robot' || actor.kind === 'staff') return
  if (s.owner !== null && s.owner === actor.userId) return
  throw forbidden()
}
