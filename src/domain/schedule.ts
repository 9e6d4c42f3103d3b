import { badRequest } from './errors.js'
import type { SessionState } from './types.js'

/** The workshop settings the schedule depends on, in seconds; `expires` 0 = never expires. */
export interface ScheduleSettings {
  expires: number
  overtime: number
  deadline: number
}

/** The fields of a session the schedule depends on; times are epoch ms. */
export interface ScheduledSession {
  state: SessionState
  startedAt: number | null
  expiresAt: number | null
  activatedAt: number | null
  /**
   * The session's own cap on its lifetime in seconds, counted from `startedAt` (an LMS lab's
   * `timeAllowed`); absent or 0 = no cap.
   */
  timeAllowed?: number
}

/** What `/schedule/` and friends report. Times are epoch ms; `countdown` is whole seconds. */
export interface ScheduleView {
  started: number | null
  expires: number | null
  /** Less than the extension threshold remains. */
  expiring: boolean
  /** Whole seconds until `expires` (rounded down), ≥ 0; 0 when there is no expiry. */
  countdown: number
  extendable: boolean
}

const MIN_EXTENSION = 300
const FOUR_HOURS = 4 * 60 * 60
/** Largest `timeout` accepted: 10 years of 365 days. */
const MAX_TIMEOUT = 10 * 365 * 24 * 60 * 60
const DEFAULT_TIMEOUT = 60

/** Seconds of remaining time below which a session is "expiring": `max(300, floor(min(expires, 4 h) / 4))`. */
export function extensionThreshold(expires: number): number {
  return Math.max(MIN_EXTENSION, Math.floor(Math.min(expires, FOUR_HOURS) / 4))
}

/** Seconds one extension adds: `max(300, overtime)` when overtime > 0, else the extension threshold. */
export function extensionStep(settings: ScheduleSettings): number {
  return settings.overtime > 0
    ? Math.max(MIN_EXTENSION, settings.overtime)
    : extensionThreshold(settings.expires)
}

/** The latest a session started at `startedAt` may be extended to: its deadline, or its cap when earlier. */
function extensionLimit(startedAt: number, s: ScheduledSession, settings: ScheduleSettings): number {
  const deadline = startedAt + settings.deadline * 1000
  const cap = s.timeAllowed ?? 0
  return cap > 0 ? Math.min(deadline, startedAt + cap * 1000) : deadline
}

function isExtendable(s: ScheduledSession, settings: ScheduleSettings, now: number): boolean {
  if (s.state !== 'RUNNING' || s.activatedAt == null) return false
  if (settings.expires <= 0 || s.startedAt == null || s.expiresAt == null) return false
  if (s.expiresAt >= extensionLimit(s.startedAt, s, settings)) return false
  return s.expiresAt - now < extensionStep(settings) * 1000
}

/**
 * The schedule of a session at `now`. `expiring` when `expiresAt` is set and less than the threshold remains
 * (whatever the state: a pending session's activation window counts). `extendable` when the session is
 * RUNNING, activated, the workshop expires, `expiresAt < startedAt + deadline`, `expiresAt < startedAt +
 * timeAllowed` when the session has a cap, and less than one step remains.
 */
export function scheduleOf(s: ScheduledSession, settings: ScheduleSettings, now: number): ScheduleView {
  const remaining = s.expiresAt == null ? null : s.expiresAt - now
  return {
    started: s.startedAt,
    expires: s.expiresAt,
    expiring: remaining != null && remaining < extensionThreshold(settings.expires) * 1000,
    countdown: remaining == null ? 0 : Math.max(0, Math.floor(remaining / 1000)),
    extendable: isExtendable(s, settings, now),
  }
}

/**
 * The session's new `expiresAt` after one extension at `now`: `expiresAt + step`, capped at
 * `startedAt + deadline` and, when the session has a cap, at `startedAt + timeAllowed`; null when the
 * session is not extendable (see `scheduleOf`).
 */
export function extendedExpiry(s: ScheduledSession, settings: ScheduleSettings, now: number): number | null {
  if (!isExtendable(s, settings, now)) return null
  // isExtendable guarantees both are set.
  const expiresAt = s.expiresAt as number
  const startedAt = s.startedAt as number
  return Math.min(expiresAt + extensionStep(settings) * 1000, extensionLimit(startedAt, s, settings))
}

/**
 * When a pending (allocated, not activated) session's activation window ends: `now + timeoutSeconds` when
 * the timeout is > 0; with 0, the expiry it would get if activated now (`activatedExpiry`, with the
 * session's cap `timeAllowed`), or null when that is none. Throws RangeError for a negative or non-integer
 * timeout (parse it with `parseTimeoutParam`).
 */
export function activationWindowEnd(
  now: number,
  timeoutSeconds: number,
  settings: ScheduleSettings,
  timeAllowed = 0,
): number | null {
  if (!Number.isSafeInteger(timeoutSeconds) || timeoutSeconds < 0) {
    throw new RangeError(`timeout must be a non-negative integer: ${timeoutSeconds}`)
  }
  return timeoutSeconds > 0 ? now + timeoutSeconds * 1000 : activatedExpiry(now, settings, timeAllowed)
}

/**
 * A session's `expiresAt` when it is activated at `now`: `now + min(expires, timeAllowed)`, where an
 * `expires` or `timeAllowed` of 0 means none; null when both are 0 (the session never expires).
 */
export function activatedExpiry(now: number, settings: ScheduleSettings, timeAllowed = 0): number | null {
  const limits = [settings.expires, timeAllowed].filter((x) => x > 0)
  return limits.length > 0 ? now + Math.min(...limits) * 1000 : null
}

/**
 * The cap a session keeps when a launch with cap `requested` re-attaches to it while it has `current`:
 * the tighter of the two, where 0 means no cap (so 0 only when both are 0).
 */
export function tighterTimeAllowed(current: number, requested: number): number {
  if (current <= 0) return Math.max(0, requested)
  return requested > 0 ? Math.min(current, requested) : current
}

/**
 * An activated session's `expiresAt` under cap `timeAllowed` (seconds, 0 = none): `min(expiresAt,
 * startedAt + timeAllowed)`, a session that never expired getting `startedAt + timeAllowed`. Unchanged for
 * no cap or a session not yet activated (its activation applies the cap).
 */
export function cappedExpiry(s: ScheduledSession, timeAllowed: number): number | null {
  if (timeAllowed <= 0 || s.activatedAt == null || s.startedAt == null) return s.expiresAt
  const cap = s.startedAt + timeAllowed * 1000
  return s.expiresAt == null ? cap : Math.min(s.expiresAt, cap)
}

/**
 * The `timeout` query parameter of an environment request, in seconds: absent or '' → 60; otherwise plain
 * ASCII decimal digits (`^\d+$`, no sign, spaces, fraction or exponent) up to 10 years. Throws
 * `badRequest('timeout must be a non-negative integer number of seconds')` for anything else.
 */
export function parseTimeoutParam(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_TIMEOUT
  if (!/^\d+$/.test(raw) || Number(raw) > MAX_TIMEOUT) {
    throw badRequest('timeout must be a non-negative integer number of seconds')
  }
  return Number(raw)
}
