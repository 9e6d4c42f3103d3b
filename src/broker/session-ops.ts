import { badRequest, rateLimited } from '../domain/errors.js'
import { extendedExpiry, scheduleOf, type ScheduleView } from '../domain/index.js'
import { clientEventName } from '../events/client-event.js'
import { sessionEvent } from '../events/session-event.js'
import type { SessionState } from '../domain/types.js'
import type { Session } from '../store/rows.js'
import { ClientEventLimiter } from './client-event-limit.js'
import type { BrokerDeps } from './deps.js'

/** One limiter per labgate instance (its deps), so that instances in one process (tests) do not share. */
const limiters = new WeakMap<BrokerDeps, ClientEventLimiter>()

/** The schedule of a session as Educates shows it. */
export async function sessionSchedule(
  deps: BrokerDeps,
  s: Session,
): Promise<ScheduleView & { status: SessionState }> {
  const settings = await deps.store.getEnvironmentSettings(s.environment)
  return { status: s.state, ...scheduleOf(s, settings!, deps.clock.now()) }
}

/**
 * Extends a RUNNING session by the workshop's step when the rules allow (near expiry, before the
 * deadline and before the session's own `timeAllowed` runs out). Returns the schedule and whether it was extended; a refusal is not an error.
 */
export async function extendSession(
  deps: BrokerDeps,
  s: Session,
): Promise<ScheduleView & { status: SessionState; extended: boolean }> {
  const settings = (await deps.store.getEnvironmentSettings(s.environment))!
  const now = deps.clock.now()
  let current = s
  let extended = false
  // Optimistic: another write (an activity flush, a second click) may land between read and update; then
  // read again and decide again, so an extension is neither lost nor applied twice.
  for (let attempt = 0; attempt < 3 && !extended; attempt++) {
    const next = extendedExpiry(current, settings, now)
    if (next === null) break
    const updated = await deps.store.updateSession(s.name, { expiresAt: next }, ['RUNNING'], current.version)
    if (!updated) {
      const fresh = await deps.store.getSession(s.name)
      if (!fresh) break
      current = fresh
      continue
    }
    current = updated
    extended = true
    await deps.events.emit(sessionEvent(s, 'Session/Extended', { expires: new Date(next).toISOString() }))
  }
  return { status: current.state, ...scheduleOf(current, settings, now), extended }
}

/** Terminates a session (it goes STOPPING, then STOPPED). Idempotent. Returns its times. */
export async function terminateSession(
  deps: BrokerDeps,
  s: Session,
): Promise<{ started: number | null; expires: number | null }> {
  const stopped = (await deps.runner.stop(s.name, 'terminated')) ?? s
  return { started: stopped.startedAt, expires: stopped.expiresAt }
}

/**
 * The owner's "finish workshop" from the dashboard: terminates the session as {@link terminateSession}
 * does, and when this call ended it and `by` (who asked) is its owner, runs the runner's finish hooks
 * (grade passback). Idempotent: finishing an ended session runs nothing. Returns its times.
 */
export async function finishSession(
  deps: BrokerDeps,
  s: Session,
  by: string,
): Promise<{ started: number | null; expires: number | null }> {
  const stopped = await deps.runner.stop(s.name, 'terminated')
  if (stopped && s.owner !== null && by === s.owner) await deps.runner.finished(stopped)
  const t = stopped ?? s
  return { started: t.startedAt, expires: t.expiresAt }
}

/**
 * Forwards a client event (`{event: {name, data}}`) to the audit log and webhooks, under the name
 * {@link clientEventName} gives it (`Client/Session/Terminate` for a posted `Session/Terminate`). Throws
 * `rate_limited` when the session posted more than its limit (a burst of 30, then one every 2 s), and
 * `bad_request` for a malformed body.
 */
export async function recordClientEvent(deps: BrokerDeps, s: Session, body: unknown): Promise<void> {
  let limiter = limiters.get(deps)
  if (!limiter) limiters.set(deps, (limiter = new ClientEventLimiter(() => deps.clock.now())))
  if (!limiter.take(s.name)) throw rateLimited('Too many events for this session: try again later')
  const event = (body as { event?: unknown } | null)?.event as { name?: unknown; data?: unknown } | undefined
  if (!event || typeof event !== 'object')
    throw badRequest('Body must be {"event": {"name": ..., "data": {...}}}')
  if (typeof event.name !== 'string' || event.name.length === 0 || event.name.length > 200) {
    throw badRequest('event.name must be a non-empty string of at most 200 characters')
  }
  const data = event.data ?? {}
  if (typeof data !== 'object' || Array.isArray(data)) throw badRequest('event.data must be an object')
  await deps.events.emit(sessionEvent(s, clientEventName(event.name), data as Record<string, unknown>))
}
