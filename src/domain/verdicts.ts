/**
 * The reconciler's decisions, as pure functions of a session (or an environment), what it knows about it
 * and the time. The reconciler loads rows, asks these, and applies the answers; nothing here does I/O.
 */
import { isOrphaned } from './orphan.js'
import { SANDBOX_UP, isPending } from './session-states.js'
import type { EnvironmentState, SessionState, StopReason } from './types.js'

/**
 * How long a STOPPING session may wait for its sandbox to go before a pass takes it down again: a stop
 * cut short (a crash, a restart) is retried, one under way is left alone.
 */
export const STOP_RETRY_MS = 30_000

/** The fields of a session the verdicts read. Times are epoch ms. */
export interface VerdictSession {
  state: SessionState
  owner: string | null
  createdAt: number
  allocatedAt: number | null
  activatedAt: number | null
  expiresAt: number | null
  lastActivityAt: number | null
  lastViewAt: number | null
  stoppingAt: number | null
  handle: unknown
}

/** The fields of a session's environment the verdicts read; `orphaned` and `overdue` in seconds, 0 = never. */
export interface VerdictEnvironment {
  state: EnvironmentState
  settings: { orphaned: number; overdue: number }
}

/** What a pass does about one session. */
export type SessionVerdict =
  /** Nothing (now). */
  | { kind: 'keep' }
  /** Stop it (it goes STOPPING) for `reason`. */
  | { kind: 'stop'; reason: StopReason }
  /** Take down the sandbox of a STOPPING session whose stop has not finished, and mark it STOPPED. */
  | { kind: 'finish-stop' }

const KEEP: SessionVerdict = Object.freeze({ kind: 'keep' })
const stop = (reason: StopReason): SessionVerdict => ({ kind: 'stop', reason })

/**
 * The verdict of a periodic pass on a visible session `s` of environment `env` (null when the environment
 * is neither RUNNING nor STOPPING) at `now`. `startInFlight` says whether this process is still starting
 * the session's sandbox. In order:
 * - STOPPING: `finish-stop` once it has been stopping longer than {@link STOP_RETRY_MS} and no start is
 *   in flight (that start finishes the stop itself), else keep;
 * - STOPPED, or no environment: keep;
 * - pending activation (`isPending`): `activation-timeout` once `expiresAt ≤ now`;
 * - activated: `expired` once `expiresAt ≤ now`, else `orphaned` by `isOrphaned`;
 * - an unallocated reserve of a STOPPING (draining) environment: `drained`;
 * - a reserve still STARTING more than `overdue` seconds after it was created (`overdue` > 0): `failed`.
 * Whether the sandbox vanished is {@link sandboxVerdict}'s question.
 */
export function sessionVerdict(
  s: VerdictSession,
  env: VerdictEnvironment | null,
  now: number,
  startInFlight = false,
): SessionVerdict {
  if (s.state === 'STOPPING') {
    const stuck = s.stoppingAt !== null && now - s.stoppingAt > STOP_RETRY_MS
    return stuck && !startInFlight ? { kind: 'finish-stop' } : KEEP
  }
  if (!env || s.state === 'STOPPED') return KEEP
  const expired = s.expiresAt !== null && s.expiresAt <= now
  if (isPending(s)) return expired ? stop('activation-timeout') : KEEP
  if (s.activatedAt !== null) {
    if (expired) return stop('expired')
    return isOrphaned(s, env.settings.orphaned, now) ? stop('orphaned') : KEEP
  }
  if (env.state === 'STOPPING' && !s.owner) return stop('drained')
  const overdue = env.settings.overdue
  if (s.state === 'STARTING' && overdue > 0 && now - s.createdAt > overdue * 1000) return stop('failed')
  return KEEP
}

/** Whether a pass that observes sandboxes looks at `s`'s: it has a handle and its sandbox should be up. */
export function isObservable(s: Pick<VerdictSession, 'state' | 'handle'>): boolean {
  return s.handle != null && SANDBOX_UP.includes(s.state)
}

/** The verdict on a session once its sandbox has been observed: stop it as `vanished` when it is gone. */
export function sandboxVerdict(gone: boolean): SessionVerdict {
  return gone ? stop('vanished') : KEEP
}

/** What the start-up pass does about a visible session it finds in the store. */
export type AdoptionVerdict =
  /** Take its sandbox down and mark it STOPPED (it was STOPPING). */
  | { kind: 'finish-stop' }
  /** Start its sandbox again: an allocated session whose start was cut off. */
  | { kind: 'relaunch' }
  /** Stop it as `failed`: a reserve whose start was cut off (the next pass replaces it). */
  | { kind: 'stop'; reason: 'failed' }
  /** Observe its sandbox: re-adopt it when it runs, reap it (`sandboxVerdict`) when it is gone. */
  | { kind: 'observe' }

/** The start-up verdict on a visible session `s` (see {@link AdoptionVerdict}). */
export function adoptionVerdict(s: Pick<VerdictSession, 'state' | 'owner' | 'handle'>): AdoptionVerdict {
  if (s.state === 'STOPPING') return { kind: 'finish-stop' }
  if (s.handle == null) return s.owner ? { kind: 'relaunch' } : { kind: 'stop', reason: 'failed' }
  return { kind: 'observe' }
}

/** Whether a STOPPING (draining) environment is done: none of its sessions is visible any more. */
export function isDrained(env: { state: EnvironmentState }, visibleSessions: number): boolean {
  return env.state === 'STOPPING' && visibleSessions === 0
}
