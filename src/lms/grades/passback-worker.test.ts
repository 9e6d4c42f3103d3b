import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../../domain/clock.js'
import { openStore, type OpenStore } from '../../store/open-store.js'
import type { GradeRecord } from '../../store/grade-store.js'
import { PassbackWorker, type Timers } from './passback-worker.js'
import type { GradeAttempt } from './post-grade.js'

/** Timers on a manual clock: `advance` moves the clock from timer to timer and runs each when due. */
class ManualTimers implements Timers {
  #next = 0
  readonly pending = new Map<number, { at: number; fn: () => void }>()
  constructor(private readonly clock: ManualClock) {}
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.#next
    this.pending.set(id, { at: this.clock.now() + ms, fn })
    return id
  }
  clearTimeout(h: unknown): void {
    this.pending.delete(h as number)
  }
  /** Moves the clock by `ms`, running every timer that falls due on the way (and waiting for `settle`). */
  async advance(ms: number, settle: () => Promise<void>): Promise<void> {
    const end = this.clock.now() + ms
    for (;;) {
      await settle()
      const due = [...this.pending].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0]
      if (!due) break
      this.pending.delete(due[0])
      this.clock.set(Math.max(this.clock.now(), due[1].at))
      due[1].fn()
    }
    this.clock.set(end)
  }
}

let db: OpenStore
let clock: ManualClock
let timers: ManualTimers
let posted: GradeRecord[]
/** The next attempts' failures, used up one per attempt; then ok. */
let script: { fail: true; retry?: boolean; reason?: string }[]

const post = async (r: GradeRecord): Promise<GradeAttempt> => {
  posted.push(r)
  const next = script.shift()
  if (!next) return { kind: 'lti11.outcome', data: { score: r.score }, ok: true }
  return {
    kind: 'lti11.outcome',
    data: {},
    ok: false,
    retry: next.retry ?? true,
    reason: next.reason ?? 'outcome service answered 500',
  }
}

const worker = () =>
  new PassbackWorker({ grades: db.grades, audit: db.audit, clock, post, log: () => {}, timers })

async function launched(session: string) {
  await db.grades.saveTarget({
    session,
    lms: 'moodle',
    userId: 'moodle:u-1',
    lmsUserId: 'u-1',
    course: 'c-101',
    lab: 'intro',
    target: { kind: 'lti11', serviceUrl: 'https://lms.example/outcomes', sourcedId: 'src-1' },
    at: clock.now(),
  })
}

beforeEach(async () => {
  db = await openStore({ sqlite: ':memory:' })
  clock = new ManualClock()
  timers = new ManualTimers(clock)
  posted = []
  script = []
})
afterEach(() => db.close())

describe('the passback worker', () => {
  it("posts a finished session's grade at once, audits it, and only once", async () => {
    const w = worker()
    await launched('s-1')
    expect(await w.finished('s-1')).toBe(true)
    expect(posted).toEqual([]) // the learner's request does not wait for the LMS
    await timers.advance(0, () => w.idle())
    expect(posted.map((r) => [r.session, r.score])).toEqual([['s-1', 1]])
    expect(await db.grades.get('s-1')).toMatchObject({ passback: 'done', attempts: 1 })
    expect(await w.finished('s-1')).toBe(false)
    expect(await w.finished('no-target')).toBe(false)
    await timers.advance(60_000, () => w.idle())
    expect(posted).toHaveLength(1)
    const audit = await db.audit.list()
    expect(audit).toEqual([
      expect.objectContaining({
        lms: 'moodle',
        kind: 'lti11.outcome',
        userId: 'moodle:u-1',
        course: 'c-101',
        lab: 'intro',
        outcome: 'ok',
        reason: null,
        data: { session: 's-1', attempt: 1, score: 1 },
      }),
    ])
  })

  it('retries after 1 s, 2 s, 4 s, and records every attempt', async () => {
    const w = worker()
    await launched('s-1')
    script = [{ fail: true as const }, { fail: true as const }, { fail: true as const }]
    const t0 = clock.now()
    await w.finished('s-1')
    await timers.advance(0, () => w.idle())
    expect(posted).toHaveLength(1)
    await timers.advance(999, () => w.idle())
    expect(posted).toHaveLength(1)
    await timers.advance(1, () => w.idle())
    expect(posted).toHaveLength(2)
    await timers.advance(10_000, () => w.idle())
    expect(posted).toHaveLength(4)
    const audit = await db.audit.list()
    expect(audit.map((a) => [a.outcome, a.data.attempt, a.at - t0])).toEqual([
      ['failed', 1, 0],
      ['failed', 2, 1000],
      ['failed', 3, 3000],
      ['ok', 4, 7000],
    ])
    expect(audit[0]!.reason).toBe('outcome service answered 500')
    expect(audit[0]!.data.retryAt).toBe(new Date(t0 + 1000).toISOString())
    expect(await db.grades.get('s-1')).toMatchObject({ passback: 'done', attempts: 4, lastError: null })
  })

  it('gives up after eight attempts, or at once on a failure not worth retrying', async () => {
    const w = worker()
    await launched('s-1')
    await launched('s-2')
    script = Array.from({ length: 8 }, () => ({ fail: true as const }))
    await w.finished('s-1')
    await timers.advance(10 * 60_000, () => w.idle())
    expect(posted).toHaveLength(8)
    expect(await db.grades.get('s-1')).toMatchObject({
      passback: 'failed',
      attempts: 8,
      lastError: 'outcome service answered 500',
    })
    expect((await db.audit.list()).at(-1)?.data).toMatchObject({ attempt: 8, gaveUp: true })

    script = [{ fail: true, retry: false, reason: 'outcome service refused the grade (failure)' }]
    await w.finished('s-2')
    await timers.advance(10 * 60_000, () => w.idle())
    expect(posted).toHaveLength(9)
    expect(await db.grades.get('s-2')).toMatchObject({ passback: 'failed', attempts: 1 })
  })

  it('picks up pending passbacks after a restart, at their next attempt', async () => {
    const first = worker()
    await launched('s-1')
    await launched('s-2')
    script = [{ fail: true as const }]
    await first.finished('s-1')
    await timers.advance(0, () => first.idle()) // failed once: next attempt in 1 s
    await first.finished('s-2')
    await first.stop() // stopped before s-2's first attempt
    expect(timers.pending.size).toBe(0)
    expect(posted.map((r) => r.session)).toEqual(['s-1'])

    const second = worker()
    await second.start()
    await timers.advance(0, () => second.idle())
    expect(posted.map((r) => r.session)).toEqual(['s-1', 's-2'])
    await timers.advance(1000, () => second.idle())
    expect(posted.map((r) => r.session)).toEqual(['s-1', 's-2', 's-1'])
    expect((await db.grades.listPending()).length).toBe(0)
  })

  it('takes over an attempt whose claimer died once its claim runs out', async () => {
    await launched('s-1')
    await db.grades.enqueue('s-1', 1, clock.now())
    await db.grades.claim('s-1', clock.now(), clock.now() + 120_000) // another process, then gone
    const w = worker()
    await w.start()
    await timers.advance(119_000, () => w.idle())
    expect(posted).toHaveLength(0)
    await timers.advance(1000, () => w.idle())
    expect(posted.map((r) => r.attempts)).toEqual([2])
    expect(await db.grades.get('s-1')).toMatchObject({ passback: 'done' })
  })

  it('turns a crash of the attempt into a retried failure', async () => {
    const crashing = new PassbackWorker({
      grades: db.grades,
      audit: db.audit,
      clock,
      post: async () => {
        throw new Error('key ring unreadable')
      },
      log: () => {},
      timers,
    })
    await launched('s-1')
    await crashing.finished('s-1')
    await timers.advance(0, () => crashing.idle())
    expect((await db.audit.list())[0]).toMatchObject({
      outcome: 'failed',
      reason: 'labgate failed: key ring unreadable',
    })
    expect(await db.grades.get('s-1')).toMatchObject({ passback: 'pending', attempts: 1 })
    await crashing.stop()
  })
})
