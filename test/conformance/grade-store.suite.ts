/**
 * The `GradeStore` conformance suite: every implementation (SQLite always, PostgreSQL when a URL is
 * given) runs it through `runGradeStoreSuite({ name, make })`. It checks the round trip of both kinds of
 * target, that a re-launch replaces the target but not the passback, that a finish starts one passback
 * only, and that concurrent claims of one due attempt let exactly one through.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { GradeStore, NewGradeTarget } from '../../src/store/grade-store.js'

export interface GradeStoreFactory {
  name: string
  make: () => Promise<{ grades: GradeStore; close: () => Promise<void> }>
}

const T0 = 1_760_000_000_000

const lti11 = (o: Partial<NewGradeTarget> = {}): NewGradeTarget => ({
  session: 's-1',
  lms: 'moodle',
  userId: 'moodle:u-1',
  lmsUserId: 'u-1',
  course: 'c-101',
  lab: 'intro',
  target: { kind: 'lti11', serviceUrl: 'https://lms.example/outcomes?x=1', sourcedId: 'src-ü-1' },
  at: T0,
  ...o,
})

export function runGradeStoreSuite(f: GradeStoreFactory): void {
  describe(`GradeStore conformance: ${f.name}`, () => {
    let grades: GradeStore
    let close: () => Promise<void>
    beforeEach(async () => {
      ;({ grades, close } = await f.make())
    })
    afterEach(() => close())

    it('round-trips both kinds of target; no target is null', async () => {
      expect(await grades.get('s-1')).toBeNull()
      await grades.saveTarget(lti11())
      expect(await grades.get('s-1')).toEqual({
        session: 's-1',
        lms: 'moodle',
        userId: 'moodle:u-1',
        lmsUserId: 'u-1',
        course: 'c-101',
        lab: 'intro',
        target: { kind: 'lti11', serviceUrl: 'https://lms.example/outcomes?x=1', sourcedId: 'src-ü-1' },
        createdAt: T0,
        updatedAt: T0,
        passback: null,
        score: null,
        attempts: 0,
        nextAt: null,
        finishedAt: null,
        lastError: null,
      })
      const ags = {
        kind: 'ags' as const,
        lineitem: 'https://lms.example/ctx/1/lineitems/7?type=x',
        scope: ['https://purl.imsglobal.org/spec/lti-ags/scope/score'],
      }
      await grades.saveTarget(lti11({ session: 's-2', course: null, lab: null, target: ags, at: T0 * 10 }))
      expect(await grades.get('s-2')).toMatchObject({
        target: ags,
        course: null,
        lab: null,
        createdAt: T0 * 10,
      })
    })

    it('a re-launch replaces the target, keeps the creation time and the passback', async () => {
      await grades.saveTarget(lti11())
      await grades.saveTarget(
        lti11({
          at: T0 + 5,
          course: 'c-202',
          target: { kind: 'lti11', serviceUrl: 'https://b', sourcedId: 'b' },
        }),
      )
      expect(await grades.get('s-1')).toMatchObject({
        course: 'c-202',
        target: { sourcedId: 'b' },
        createdAt: T0,
        updatedAt: T0 + 5,
      })
      await grades.enqueue('s-1', 1, T0 + 10)
      await grades.saveTarget(lti11({ at: T0 + 20 }))
      expect(await grades.get('s-1')).toMatchObject({
        passback: 'pending',
        score: 1,
        target: { sourcedId: 'src-ü-1' },
      })
    })

    it('starts one passback per session, only where there is a target', async () => {
      expect(await grades.enqueue('nobody', 1, T0)).toBeNull()
      await grades.saveTarget(lti11())
      const p = await grades.enqueue('s-1', 0.75, T0 + 1)
      expect(p).toMatchObject({
        passback: 'pending',
        score: 0.75,
        attempts: 0,
        nextAt: T0 + 1,
        finishedAt: T0 + 1,
      })
      expect(await grades.enqueue('s-1', 1, T0 + 2)).toBeNull()
      expect((await grades.get('s-1'))?.score).toBe(0.75)
    })

    it('lists pending passbacks by next attempt', async () => {
      for (const [s, at] of [
        ['a', T0 + 30],
        ['b', T0 + 10],
        ['c', T0 + 20],
        ['d', T0],
      ] as const) {
        await grades.saveTarget(lti11({ session: s }))
        if (s !== 'd') await grades.enqueue(s, 1, at)
      }
      expect((await grades.listPending()).map((r) => r.session)).toEqual(['b', 'c', 'a'])
      const c = await grades.claim('c', T0 + 20, T0 + 100)
      await grades.settle('c', c!.attempts, { state: 'done', lastError: null }, T0 + 21)
      expect((await grades.listPending()).map((r) => r.session)).toEqual(['b', 'a'])
    })

    it('claims a due attempt once, counting it; settles only the attempt it claimed', async () => {
      await grades.saveTarget(lti11())
      await grades.enqueue('s-1', 1, T0 + 100)
      expect(await grades.claim('s-1', T0 + 99, T0 + 500)).toBeNull() // not due
      const first = await grades.claim('s-1', T0 + 100, T0 + 500)
      expect(first).toMatchObject({ attempts: 1, nextAt: T0 + 500 })
      expect(await grades.claim('s-1', T0 + 200, T0 + 600)).toBeNull() // leased
      expect(await grades.settle('s-1', 2, { state: 'done', lastError: null }, T0 + 201)).toBeNull()
      const retry = await grades.settle(
        's-1',
        1,
        { state: 'pending', nextAt: T0 + 1000, lastError: 'outcome service answered 500' },
        T0 + 202,
      )
      expect(retry).toMatchObject({
        passback: 'pending',
        nextAt: T0 + 1000,
        lastError: 'outcome service answered 500',
      })
      const second = await grades.claim('s-1', T0 + 1000, T0 + 2000)
      expect(second?.attempts).toBe(2)
      const done = await grades.settle('s-1', 2, { state: 'done', lastError: null }, T0 + 1001)
      expect(done).toMatchObject({ passback: 'done', nextAt: null, lastError: null, attempts: 2 })
      expect(await grades.claim('s-1', T0 + 9999, T0 + 99999)).toBeNull()
      expect(await grades.settle('s-1', 2, { state: 'failed', lastError: 'x' }, T0 + 1002)).toBeNull()
    })

    it('a lease that ran out is claimed again (the claimer died)', async () => {
      await grades.saveTarget(lti11())
      await grades.enqueue('s-1', 1, T0)
      await grades.claim('s-1', T0, T0 + 60_000)
      const again = await grades.claim('s-1', T0 + 60_000, T0 + 120_000)
      expect(again?.attempts).toBe(2)
      const failed = await grades.settle('s-1', 2, { state: 'failed', lastError: 'gave up' }, T0 + 60_001)
      expect(failed).toMatchObject({ passback: 'failed', lastError: 'gave up', nextAt: null })
    })

    it('lets exactly one of many concurrent claims through', async () => {
      await grades.saveTarget(lti11())
      await grades.enqueue('s-1', 1, T0)
      const results = await Promise.all(Array.from({ length: 20 }, () => grades.claim('s-1', T0, T0 + 1000)))
      expect(results.filter((r) => r !== null).length).toBe(1)
      expect((await grades.get('s-1'))?.attempts).toBe(1)
    })
  })
}
