/**
 * The queue of LMS launches waiting for a full lab. A launch that finds no free place, or finds others
 * waiting whom it may not pass, waits: it gets a waiting page instead of a refusal. Waiters are served in
 * order of their course's priority (higher first), then of arrival; only the first of the queue tries for
 * a place, each time its page asks (every few seconds), so a place that frees goes to it. A waiter whose
 * page stopped asking for {@link LEFT_AFTER_MS} has left, and no longer holds anyone up.
 *
 * The queue lives in the store, so it holds across replicas. Requests of the Educates API do not queue:
 * they keep their 503, and may take a freed place before the first waiter asks again.
 */
import type { Clock } from '../../domain/clock.js'
import type { AuditStore } from '../../store/audit-store.js'
import type { LmsGatewayStore, WaiterRecord } from '../../store/lms-gateway-store.js'

/** How long a waiter's page may go without asking before the waiter counts as gone, ms. */
export const LEFT_AFTER_MS = 30_000

/** What the queue reads and writes. */
export interface QueueDeps {
  gateway: LmsGatewayStore
  clock: Clock
}

/** The live queue of an environment, in serving order. */
export const liveQueue = (d: QueueDeps, environment: string): Promise<WaiterRecord[]> =>
  d.gateway.listWaiters(environment, d.clock.now() - LEFT_AFTER_MS)

/**
 * Whether a launch may try for a place now: a launch from the queue (`waiter`) only when it is first in
 * the live queue; any other launch only when no live waiter has its priority or a higher one (those came
 * first, or matter more).
 */
export async function mayTry(
  d: QueueDeps,
  o: { environment: string; priority: number; waiter?: string },
): Promise<boolean> {
  const queue = await liveQueue(d, o.environment)
  if (o.waiter !== undefined) return queue[0]?.id === o.waiter
  return !queue.some((w) => w.priority >= o.priority)
}

/** Where a waiter stands in the live queue: 1 for the first; null when it is not in it. */
export async function positionOf(d: QueueDeps, w: WaiterRecord): Promise<number | null> {
  const queue = await liveQueue(d, w.environment)
  const i = queue.findIndex((x) => x.id === w.id)
  return i < 0 ? null : i + 1
}

/** Appends the queue's audit record (`lms.queue`) of waiter `w`: queued, served or ended (`data.step`). */
export const recordWait = (
  d: { audit: AuditStore; clock: Clock },
  w: WaiterRecord,
  outcome: 'ok' | 'refused',
  reason: string | null,
  data: Record<string, unknown>,
) =>
  d.audit.append({
    at: d.clock.now(),
    lms: w.lms,
    kind: 'lms.queue',
    userId: w.userId,
    course: null,
    lab: w.lab,
    outcome,
    reason,
    data: { waiter: w.id, priority: w.priority, ...data },
  })
