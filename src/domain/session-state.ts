import type { SessionState } from './types.js'

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

/** True while the session still holds (or is getting or releasing) a sandbox: anything but STOPPED. */
export function isLive(state: SessionState): boolean {
  return state !== 'STOPPED'
}

/** True while the session counts against caps: STARTING, WAITING or RUNNING (not STOPPING/STOPPED). */
export function isActive(state: SessionState): boolean {
  return state === 'STARTING' || state === 'WAITING' || state === 'RUNNING'
}

/**
 * True for a session allocated to a user that has not been activated yet: it has an owner, no `activatedAt`,
 * and is STARTING (allocated before its sandbox was up) or RUNNING.
 */
export function isPending(s: {
  owner: string | null
  activatedAt: number | null
  state: SessionState
}): boolean {
  return s.owner != null && s.activatedAt == null && (s.state === 'STARTING' || s.state === 'RUNNING')
}
