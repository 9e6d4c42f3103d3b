/**
 * The one vocabulary of lab-session states, the named sets the rest of labgate uses instead of literal
 * lists, and the transition table every state change goes through.
 *
 * A lab session goes STARTING → WAITING (a reserve, no owner) or RUNNING (allocated), then STOPPING →
 * STOPPED. An allocated session that has not been activated yet is RUNNING (or still STARTING) with an
 * owner and no `activatedAt` ("pending activation"); Educates reports it as RUNNING too.
 */
import { LabgateError } from './errors.js'
import type { SessionState } from './types.js'

/** Every state, in life order. */
export const SESSION_STATES: readonly SessionState[] = Object.freeze([
  'STARTING',
  'WAITING',
  'RUNNING',
  'STOPPING',
  'STOPPED',
])

/**
 * States that hold a place: counted against an environment's capacity, the portal's maximum and a user's
 * cap. A STOPPING session has given its place back.
 */
export const HOLDS_CAPACITY: readonly SessionState[] = Object.freeze(['STARTING', 'WAITING', 'RUNNING'])

/**
 * States a session is shown and reconciled in: everything but STOPPED. A STOPPING session still has a
 * sandbox to take down, and catalogs list it as stopping.
 */
export const VISIBLE: readonly SessionState[] = Object.freeze(['STARTING', 'WAITING', 'RUNNING', 'STOPPING'])

/** States of a session that has ended for its learner: nothing may enter, extend or use it any more. */
export const ENDED: readonly SessionState[] = Object.freeze(['STOPPING', 'STOPPED'])

/**
 * States an allocated (owned) session is in until it ends: STARTING when it was allocated before its
 * sandbox was up, RUNNING otherwise. (WAITING sessions have no owner.)
 */
export const ALLOCATED: readonly SessionState[] = Object.freeze(['STARTING', 'RUNNING'])

/**
 * States an unallocated reserve holds its place in: STARTING until its sandbox is up, WAITING after.
 * (Whether a session is a reserve is its owner's business: a STARTING session may be allocated.)
 */
export const RESERVE: readonly SessionState[] = Object.freeze(['STARTING', 'WAITING'])

/** States whose sandbox is up, so that `observe` can tell whether it vanished. */
export const SANDBOX_UP: readonly SessionState[] = Object.freeze(['WAITING', 'RUNNING'])

/** True for STOPPING and STOPPED. */
export const hasEnded = (state: SessionState): boolean => ENDED.includes(state)

const TRANSITIONS: Readonly<Record<SessionState, readonly SessionState[]>> = {
  STARTING: ['WAITING', 'RUNNING', 'STOPPING'],
  WAITING: ['RUNNING', 'STOPPING'],
  RUNNING: ['STOPPING'],
  STOPPING: ['STOPPED'],
  STOPPED: [],
}

/**
 * Whether a session may go from `from` to `to`: STARTING→WAITING|RUNNING|STOPPING, WAITING→RUNNING|STOPPING,
 * RUNNING→STOPPING, STOPPING→STOPPED. Everything else, staying in the same state included, is illegal.
 */
export function canTransition(from: SessionState, to: SessionState): boolean {
  return TRANSITIONS[from].includes(to)
}

/** The states a session may enter `to` from: the inverse of the transition table. */
export function statesBefore(to: SessionState): SessionState[] {
  return SESSION_STATES.filter((from) => canTransition(from, to))
}

/** Throws `illegal_transition` unless the table allows `from` → `to`. */
export function assertTransition(session: string, from: SessionState, to: SessionState): void {
  if (!canTransition(from, to))
    throw new LabgateError('illegal_transition', `session ${session} cannot go from ${from} to ${to}`)
}

/**
 * The condition of a conditional write that moves `session` to `to`: the states it may be in for the
 * write to apply. Those are `from` when the caller names them, else every state the table lets enter
 * `to` ({@link statesBefore}). Throws `illegal_transition` when `from` names a state the table forbids
 * going to `to` from: such a write is a bug, not a race.
 */
export function transitionSources(
  session: string,
  to: SessionState,
  from?: readonly SessionState[],
): SessionState[] {
  if (!from) return statesBefore(to)
  for (const state of from) assertTransition(session, state, to)
  return [...from]
}

/**
 * True for a session allocated to a user that has not been activated yet: it has an owner, no
 * `activatedAt`, and is STARTING (allocated before its sandbox was up) or RUNNING.
 */
export function isPending(s: {
  owner: string | null
  activatedAt: number | null
  state: SessionState
}): boolean {
  return s.owner != null && s.activatedAt == null && ALLOCATED.includes(s.state)
}
