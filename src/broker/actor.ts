import type { UserKind } from '../domain/types.js'

/** Who is calling: the user behind a bearer token or the browser's sign-in cookie. */
export interface Actor {
  userId: string
  kind: UserKind
  /** How the caller proved who they are; cookie callers get extra CSRF checks on changes. */
  via: 'bearer' | 'cookie'
}

/** True for a robot (the Educates API's machine clients). */
export const isRobot = (a: Actor | null): boolean => a?.kind === 'robot'
/** True for staff (portal administrators). */
export const isStaff = (a: Actor | null): boolean => a?.kind === 'staff'
