import type { Clock } from '../domain/clock.js'
import { ALLOCATED } from '../domain/session-states.js'
import type { Session } from '../store/rows.js'
import type { Store } from '../store/store.js'

/**
 * What a learner did: `keystroke` (input typed into a terminal) or `view` (a dashboard page load). A view
 * is activity too. Reconnects, pings and polling are not activity and must not be reported.
 */
export type ActivityKind = 'keystroke' | 'view'

/** The activity kinds, for validating input. */
export const ACTIVITY_KINDS: readonly ActivityKind[] = ['keystroke', 'view']

/** Options of {@link ActivityTracker}. */
export interface ActivityTrackerOptions {
  store: Store
  clock: Clock
  /** At most one store write per session per this many ms (default 5000). */
  flushIntervalMs?: number
  log?: (msg: string) => void
}

interface Pending {
  activityAt: number
  viewAt: number | null
}

/** Only sessions someone can be active in are written; a stopping or stopped row is left alone. */
const WRITABLE = ALLOCATED

/**
 * Records learner activity cheaply and writes it to the store in batches: `touch` only updates a map entry
 * (no I/O, no promise), and pending times are written with `updateSession(name, {lastActivityAt,
 * lastViewAt})` once per `flushIntervalMs` (all sessions together), so the reconciler's orphan check sees
 * activity at most that late. `pending` exposes the not yet written times, so readers are never behind.
 */
export class ActivityTracker {
  readonly #o: ActivityTrackerOptions
  readonly #pending = new Map<string, Pending>()
  #timer: NodeJS.Timeout | null = null
  #flushing: Promise<void> = Promise.resolve()
  #closed = false

  constructor(o: ActivityTrackerOptions) {
    this.#o = o
  }

  /** Records activity of `kind` in `session` now. Synchronous and cheap: safe to call on every keystroke. */
  touch(session: string, kind: ActivityKind): void {
    if (this.#closed) return
    const now = this.#o.clock.now()
    const p = this.#pending.get(session)
    if (p) {
      p.activityAt = Math.max(p.activityAt, now)
      if (kind === 'view') p.viewAt = Math.max(p.viewAt ?? now, now)
    } else {
      this.#pending.set(session, { activityAt: now, viewAt: kind === 'view' ? now : null })
    }
    this.#schedule()
  }

  /** The session's activity not yet written to the store (epoch ms), or undefined when there is none. */
  pending(session: string): { activityAt: number; viewAt: number | null } | undefined {
    const p = this.#pending.get(session)
    return p && { ...p }
  }

  /**
   * Writes every pending time to the store now. Resolves once written; a failed write is logged and kept
   * for the next flush. Never rejects.
   */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    this.#flushing = this.#flushing.then(() => this.#write())
    return this.#flushing
  }

  /** Flushes and stops accepting activity (for shutdown). Idempotent. */
  async close(): Promise<void> {
    this.#closed = true
    await this.flush()
  }

  async #write(): Promise<void> {
    const batch = [...this.#pending]
    this.#pending.clear()
    for (const [session, p] of batch) {
      try {
        await this.#o.store.updateSession(
          session,
          p.viewAt === null
            ? { lastActivityAt: p.activityAt }
            : { lastActivityAt: p.activityAt, lastViewAt: p.viewAt },
          WRITABLE,
        )
      } catch (e) {
        this.#o.log?.(`activity of ${session} not recorded: ${(e as Error).message}`)
        this.#merge(session, p)
      }
    }
  }

  #merge(session: string, p: Pending): void {
    const now = this.#pending.get(session)
    if (!now) this.#pending.set(session, p)
    else {
      now.activityAt = Math.max(now.activityAt, p.activityAt)
      if (p.viewAt !== null) now.viewAt = Math.max(now.viewAt ?? p.viewAt, p.viewAt)
    }
    if (!this.#closed) this.#schedule()
  }

  #schedule(): void {
    if (this.#timer) return
    this.#timer = setTimeout(() => void this.flush(), this.#o.flushIntervalMs ?? 5000)
    this.#timer.unref()
  }
}

/**
 * Educates' activity view of a session: whole seconds since the last activity (`idle-time`) and since the
 * last page view (`last-view`), counting from allocation (creation for an unallocated reserve) when there
 * has been none, as the orphan check does. `pending` is the tracker's not yet written activity.
 */
export function activityView(
  s: Pick<Session, 'allocatedAt' | 'createdAt' | 'lastActivityAt' | 'lastViewAt'>,
  pending: { activityAt: number; viewAt: number | null } | undefined,
  now: number,
): { 'idle-time': number; 'last-view': number } {
  const base = s.allocatedAt ?? s.createdAt
  const active = Math.max(base, s.lastActivityAt ?? base, pending?.activityAt ?? base)
  const viewed = Math.max(base, s.lastViewAt ?? base, pending?.viewAt ?? base)
  const secs = (t: number) => Math.max(0, Math.floor((now - t) / 1000))
  return { 'idle-time': secs(active), 'last-view': secs(viewed) }
}
