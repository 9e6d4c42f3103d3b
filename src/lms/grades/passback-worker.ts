/**
 * Passes grades back to LMSs in the background: a learner's finish starts a passback in the store
 * (`finished`), and the worker attempts it at once and again with backoff until the LMS takes it or the
 * attempts run out, auditing every attempt. Pending passbacks are kept in the store, so `start` picks up
 * those a previous run left; a claim in the store keeps two replicas from attempting one at a time.
 * Nothing here ever blocks or fails the learner's request.
 */
import type { Clock } from '../../domain/clock.js'
import type { AuditStore } from '../../store/audit-store.js'
import type { GradeRecord, GradeStore } from '../../store/grade-store.js'
import { afterFailure, PASSBACK_BACKOFF, type BackoffPolicy } from './backoff.js'
import type { GradeAttempt } from './post-grade.js'

/** The timer functions the worker schedules with (the global ones by default; tests drive their own). */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

const systemTimers: Timers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms)
    t.unref()
    return t
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
}

export interface PassbackWorkerDeps {
  grades: GradeStore
  audit: AuditStore
  clock: Clock
  /** One attempt (`postGrade` bound to its deps). */
  post: (r: GradeRecord) => Promise<GradeAttempt>
  log: (msg: string) => void
  timers?: Timers
  backoff?: BackoffPolicy
  /** How long a claimed attempt is someone's before others may take it (default 2 min). */
  leaseMs?: number
}

/** The background worker; one per labgate. */
export class PassbackWorker {
  readonly #timers: Timers
  readonly #scheduled = new Map<string, unknown>()
  readonly #running = new Set<Promise<void>>()
  #stopped = false

  constructor(private readonly deps: PassbackWorkerDeps) {
    this.#timers = deps.timers ?? systemTimers
  }

  get #leaseMs(): number {
    return this.deps.leaseMs ?? 120_000
  }

  /** Schedules every pending passback in the store (those a previous run left) at its next attempt. */
  async start(): Promise<void> {
    for (const r of await this.deps.grades.listPending()) this.#schedule(r.session, r.nextAt ?? 0)
  }

  /**
   * The learner finished session `session`: when it has a grade target and no passback yet, starts one
   * for `score` (kept in the store before this resolves) and attempts it in the background. Resolves
   * whether a passback was started; never throws (a store failure is logged).
   */
  async finished(session: string, score = 1): Promise<boolean> {
    try {
      const r = await this.deps.grades.enqueue(session, score, this.deps.clock.now())
      if (!r) return false
      this.#schedule(session, r.nextAt ?? 0)
      return true
    } catch (e) {
      this.deps.log(`grade passback of session ${session} could not be started: ${(e as Error).message}`)
      return false
    }
  }

  /** Resolves when no attempt is under way (tests; after the timers have fired). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running])
  }

  /** Schedules nothing more and waits for attempts under way; pending passbacks stay in the store. */
  async stop(): Promise<void> {
    this.#stopped = true
    for (const h of this.#scheduled.values()) this.#timers.clearTimeout(h)
    this.#scheduled.clear()
    await this.idle()
  }

  #schedule(session: string, at: number): void {
    if (this.#stopped) return
    const old = this.#scheduled.get(session)
    if (old !== undefined) this.#timers.clearTimeout(old)
    const handle = this.#timers.setTimeout(
      () => {
        this.#scheduled.delete(session)
        const run = this.#attempt(session)
          .catch((e) => {
            this.deps.log(`grade passback of session ${session}: ${(e as Error).message}`)
            // the store failed mid-attempt: look again once the attempt's claim has run out
            this.#schedule(session, this.deps.clock.now() + this.#leaseMs)
          })
          .finally(() => this.#running.delete(run))
        this.#running.add(run)
      },
      Math.max(0, at - this.deps.clock.now()),
    )
    this.#scheduled.set(session, handle)
  }

  async #attempt(session: string): Promise<void> {
    const { grades, clock } = this.deps
    const now = clock.now()
    const r = await grades.claim(session, now, now + this.#leaseMs)
    if (!r) {
      // Someone else holds it (another replica): look again when their lease runs out.
      const current = await grades.get(session)
      if (current?.passback === 'pending' && current.nextAt !== null) this.#schedule(session, current.nextAt)
      return
    }
    let result: GradeAttempt
    try {
      result = await this.deps.post(r)
    } catch (e) {
      result = {
        kind: r.target.kind === 'ags' ? 'ags.score' : 'lti11.outcome',
        data: {},
        ok: false,
        retry: true,
        reason: `labgate failed: ${(e as Error).message}`,
      }
    }
    const at = clock.now()
    const step = result.ok
      ? null
      : afterFailure(r.attempts, at, result.retry, this.deps.backoff ?? PASSBACK_BACKOFF)
    await this.deps.audit.append({
      at,
      lms: r.lms,
      kind: result.kind,
      userId: r.userId,
      course: r.course,
      lab: r.lab,
      outcome: result.ok ? 'ok' : 'failed',
      reason: result.ok ? null : result.reason,
      data: {
        session,
        attempt: r.attempts,
        ...result.data,
        ...(step?.next === 'retry' ? { retryAt: new Date(step.retryAt).toISOString() } : {}),
        ...(step?.next === 'give_up' ? { gaveUp: true } : {}),
      },
    })
    const lastError = result.ok ? null : result.reason
    const settled = await grades.settle(
      session,
      r.attempts,
      step === null
        ? { state: 'done', lastError: null }
        : step.next === 'retry'
          ? { state: 'pending', nextAt: step.retryAt, lastError }
          : { state: 'failed', lastError },
      at,
    )
    if (settled?.passback === 'pending' && settled.nextAt !== null) this.#schedule(session, settled.nextAt)
  }
}
