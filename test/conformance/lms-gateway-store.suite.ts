/**
 * The `LmsGatewayStore` conformance suite: every implementation (SQLite always, PostgreSQL when a URL is
 * given) runs it through `runLmsGatewayStoreSuite({ name, make })`. It checks round trips, that a call
 * naming one LMS never reads or changes another's rows, that a teacher's name and a key are taken once,
 * that a key is revoked once, the order of the waiting queue, and that concurrent settles of one waiter
 * let exactly one through.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type {
  LmsGatewayStore,
  NewCourseGrant,
  NewTeacher,
  NewTeacherKey,
  NewWaiter,
} from '../../src/store/lms-gateway-store.js'

export interface LmsGatewayStoreFactory {
  name: string
  make: () => Promise<{ lmsGateway: LmsGatewayStore; close: () => Promise<void> }>
}

const T0 = 1_760_000_000_000

const grant = (o: Partial<NewCourseGrant> = {}): NewCourseGrant => ({
  lms: 'moodle',
  lab: 'intro',
  course: 'c-101',
  courseName: 'Física — Grupo 1 ✓',
  settings: {
    timeAllowed: 3600,
    priority: 2,
    windows: [
      { from: '2025-09-01', until: '2026-01-31', weekdays: [1, 3], startTime: '08:00', endTime: '24:00' },
    ],
  },
  by: 'José Müller',
  at: T0,
  ...o,
})

const teacher = (o: Partial<NewTeacher> = {}): NewTeacher => ({
  lms: 'moodle',
  id: 't-1',
  name: 'Zoë Ñúñez',
  email: 'zoe@example.edu',
  by: 'José Müller',
  at: T0,
  ...o,
})

const key = (o: Partial<NewTeacherKey> = {}): NewTeacherKey => ({
  key: 'k-1',
  lms: 'moodle',
  teacher: 't-1',
  lab: 'intro',
  salt: 'salt-1',
  secretHash: 'a'.repeat(64),
  at: T0,
  ...o,
})

const waiter = (o: Partial<NewWaiter> = {}): NewWaiter => ({
  id: 'w-1',
  lms: 'moodle',
  lab: 'intro',
  environment: 'env-1',
  userId: 'moodle:u-1',
  priority: 0,
  launch: { protocol: 'lti11', params: { lis_person_name_full: 'Ana Łukasiewicz 学生' }, n: 1, ok: true },
  at: T0,
  ...o,
})

export function runLmsGatewayStoreSuite(f: LmsGatewayStoreFactory): void {
  describe(`LmsGatewayStore conformance: ${f.name}`, () => {
    let gw: LmsGatewayStore
    let close: () => Promise<void>
    beforeEach(async () => {
      ;({ lmsGateway: gw, close } = await f.make())
    })
    afterEach(() => close())

    describe('course grants', () => {
      it('round-trips a grant', async () => {
        expect(await gw.listCourseGrants('moodle')).toEqual([])
        const g = grant()
        const stored = await gw.putCourseGrant(g)
        const expected = {
          lms: 'moodle',
          lab: 'intro',
          course: 'c-101',
          courseName: 'Física — Grupo 1 ✓',
          settings: g.settings,
          by: 'José Müller',
          createdAt: T0,
          updatedAt: T0,
        }
        expect(stored).toEqual(expected)
        expect(await gw.listCourseGrants('moodle')).toEqual([expected])
        expect(await gw.listCourseGrants('moodle', 'intro')).toEqual([expected])
      })

      it('a second save replaces name, settings and by, keeping createdAt', async () => {
        await gw.putCourseGrant(grant())
        const settings = { timeAllowed: 0, priority: 0, windows: [] }
        const replaced = await gw.putCourseGrant(
          grant({ courseName: '', settings, by: 'Other Admin', at: T0 + 50 }),
        )
        const expected = {
          lms: 'moodle',
          lab: 'intro',
          course: 'c-101',
          courseName: '',
          settings,
          by: 'Other Admin',
          createdAt: T0,
          updatedAt: T0 + 50,
        }
        expect(replaced).toEqual(expected)
        expect(await gw.listCourseGrants('moodle')).toEqual([expected])
      })

      it('lists by lab, then course; of one lab when asked', async () => {
        for (const [lab, course] of [
          ['b-lab', 'c-2'],
          ['a-lab', 'c-3'],
          ['b-lab', 'c-1'],
          ['a-lab', 'c-1'],
        ] as const)
          await gw.putCourseGrant(grant({ lab, course }))
        const all = await gw.listCourseGrants('moodle')
        expect(all.map((g) => `${g.lab}/${g.course}`)).toEqual([
          'a-lab/c-1',
          'a-lab/c-3',
          'b-lab/c-1',
          'b-lab/c-2',
        ])
        const b = await gw.listCourseGrants('moodle', 'b-lab')
        expect(b.map((g) => g.course)).toEqual(['c-1', 'c-2'])
        expect(await gw.listCourseGrants('moodle', 'none')).toEqual([])
      })

      it('deletes once; never another LMS’s grant of the same lab and course', async () => {
        await gw.putCourseGrant(grant())
        await gw.putCourseGrant(grant({ lms: 'canvas', courseName: 'Canvas course', at: T0 + 1 }))
        // Another LMS's save of the same (lab, course) is a grant of its own.
        expect(await gw.listCourseGrants('moodle')).toMatchObject([
          { courseName: 'Física — Grupo 1 ✓', createdAt: T0 },
        ])
        expect(await gw.listCourseGrants('canvas')).toMatchObject([
          { courseName: 'Canvas course', createdAt: T0 + 1 },
        ])
        expect(await gw.deleteCourseGrant('moodle', 'intro', 'c-101')).toBe(true)
        expect(await gw.deleteCourseGrant('moodle', 'intro', 'c-101')).toBe(false)
        expect(await gw.deleteCourseGrant('moodle', 'intro', 'other')).toBe(false)
        expect(await gw.listCourseGrants('moodle')).toEqual([])
        expect(await gw.listCourseGrants('canvas')).toHaveLength(1)
        expect(await gw.listCourseGrants('blackboard')).toEqual([])
      })
    })

    describe('teachers', () => {
      it('round-trips a teacher, only under its own LMS', async () => {
        const created = await gw.createTeacher(teacher())
        const expected = {
          lms: 'moodle',
          id: 't-1',
          name: 'Zoë Ñúñez',
          email: 'zoe@example.edu',
          by: 'José Müller',
          createdAt: T0,
        }
        expect(created).toEqual(expected)
        expect(await gw.getTeacher('moodle', 't-1')).toEqual(expected)
        expect(await gw.getTeacher('canvas', 't-1')).toBeNull()
        expect(await gw.getTeacher('moodle', 'nobody')).toBeNull()
        expect(await gw.listTeachers('canvas')).toEqual([])
        const noEmail = await gw.createTeacher(teacher({ id: 't-2', name: 'Bo', email: null }))
        expect(noEmail?.email).toBeNull()
      })

      it('a name taken in the LMS is null and writes nothing; other LMSs and other cases are free', async () => {
        await gw.createTeacher(teacher())
        expect(await gw.createTeacher(teacher({ id: 't-2', email: 'x@example.edu', at: T0 + 1 }))).toBeNull()
        expect(await gw.getTeacher('moodle', 't-2')).toBeNull()
        expect(await gw.listTeachers('moodle')).toEqual([
          expect.objectContaining({ id: 't-1', email: 'zoe@example.edu', createdAt: T0 }),
        ])
        expect(await gw.createTeacher(teacher({ lms: 'canvas', id: 't-3' }))).toMatchObject({ lms: 'canvas' })
        expect(await gw.createTeacher(teacher({ id: 't-4', name: 'zoë ñúñez' }))).toMatchObject({ id: 't-4' })
        expect((await gw.listTeachers('moodle')).map((t) => t.id).sort()).toEqual(['t-1', 't-4'])
      })

      it('lists the LMS’s teachers by name', async () => {
        for (const [id, name] of [
          ['t-1', 'carol'],
          ['t-2', 'alice'],
          ['t-3', 'bob'],
        ])
          await gw.createTeacher(teacher({ id, name }))
        await gw.createTeacher(teacher({ lms: 'canvas', id: 't-9', name: 'aaron' }))
        expect((await gw.listTeachers('moodle')).map((t) => t.name)).toEqual(['alice', 'bob', 'carol'])
        expect((await gw.listTeachers('canvas')).map((t) => t.id)).toEqual(['t-9'])
      })
    })

    describe('teacher keys', () => {
      it('round-trips a key, found by consumer key whatever its LMS', async () => {
        expect(await gw.getTeacherKey('k-1')).toBeNull()
        const created = await gw.createTeacherKey(key())
        const expected = {
          key: 'k-1',
          lms: 'moodle',
          teacher: 't-1',
          lab: 'intro',
          salt: 'salt-1',
          secretHash: 'a'.repeat(64),
          createdAt: T0,
          revokedAt: null,
        }
        expect(created).toEqual(expected)
        expect(await gw.getTeacherKey('k-1')).toEqual(expected)
        await gw.createTeacherKey(key({ key: 'k-ü', lms: 'canvas' }))
        expect(await gw.getTeacherKey('k-ü')).toMatchObject({ lms: 'canvas' })
      })

      it('a duplicate key throws and changes nothing, even from another LMS', async () => {
        await gw.createTeacherKey(key())
        await expect(gw.createTeacherKey(key({ salt: 'other', at: T0 + 1 }))).rejects.toThrow()
        await expect(gw.createTeacherKey(key({ lms: 'canvas', teacher: 't-9' }))).rejects.toThrow()
        expect(await gw.getTeacherKey('k-1')).toMatchObject({ lms: 'moodle', salt: 'salt-1', createdAt: T0 })
        expect(await gw.listTeacherKeys('canvas')).toEqual([])
      })

      it('lists the LMS’s keys newest first, of one teacher when asked', async () => {
        await gw.createTeacherKey(key({ key: 'k-a', teacher: 't-1', at: T0 + 10 }))
        await gw.createTeacherKey(key({ key: 'k-b', teacher: 't-2', at: T0 + 30 }))
        await gw.createTeacherKey(key({ key: 'k-c', teacher: 't-1', at: T0 + 20 }))
        await gw.createTeacherKey(key({ key: 'k-d', lms: 'canvas', teacher: 't-1', at: T0 + 40 }))
        expect((await gw.listTeacherKeys('moodle')).map((k) => k.key)).toEqual(['k-b', 'k-c', 'k-a'])
        expect((await gw.listTeacherKeys('moodle', 't-1')).map((k) => k.key)).toEqual(['k-c', 'k-a'])
        expect((await gw.listTeacherKeys('canvas', 't-1')).map((k) => k.key)).toEqual(['k-d'])
        expect(await gw.listTeacherKeys('moodle', 'nobody')).toEqual([])
      })

      it('revokes once, and only by its own LMS; a revoked key is still found', async () => {
        await gw.createTeacherKey(key())
        expect(await gw.revokeTeacherKey('canvas', 'k-1', T0 + 5)).toBeNull()
        expect((await gw.getTeacherKey('k-1'))?.revokedAt).toBeNull()
        expect(await gw.revokeTeacherKey('moodle', 'nothing', T0 + 5)).toBeNull()
        const revoked = await gw.revokeTeacherKey('moodle', 'k-1', T0 + 6)
        expect(revoked).toMatchObject({ key: 'k-1', revokedAt: T0 + 6, createdAt: T0 })
        expect(await gw.revokeTeacherKey('moodle', 'k-1', T0 + 7)).toBeNull()
        expect(await gw.getTeacherKey('k-1')).toMatchObject({ revokedAt: T0 + 6 })
        expect(await gw.listTeacherKeys('moodle')).toMatchObject([{ key: 'k-1', revokedAt: T0 + 6 }])
      })
    })

    describe('waiters', () => {
      it('round-trips a waiter: waiting, seen when enqueued', async () => {
        expect(await gw.getWaiter('w-1')).toBeNull()
        const w = waiter()
        const expected = {
          id: 'w-1',
          lms: 'moodle',
          lab: 'intro',
          environment: 'env-1',
          userId: 'moodle:u-1',
          priority: 0,
          launch: w.launch,
          state: 'waiting',
          enqueuedAt: T0,
          seenAt: T0,
          session: null,
          settledAt: null,
        }
        expect(await gw.enqueueWaiter(w)).toEqual(expected)
        expect(await gw.getWaiter('w-1')).toEqual(expected)
      })

      it('queues by priority descending, then enqueued first, then id', async () => {
        for (const [id, priority, at] of [
          ['w-e', 0, T0 + 1],
          ['w-b', 5, T0 + 3],
          ['w-d', 0, T0],
          ['w-c', 0, T0],
          ['w-a', 5, T0 + 4],
          ['w-f', -1, T0],
        ] as const)
          await gw.enqueueWaiter(waiter({ id, priority, at, userId: `moodle:${id}` }))
        await gw.enqueueWaiter(waiter({ id: 'w-x', environment: 'env-2', priority: 9 }))
        const order = ['w-b', 'w-a', 'w-c', 'w-d', 'w-e', 'w-f']
        expect((await gw.listWaiters('env-1', 0)).map((w) => w.id)).toEqual(order)
        expect((await gw.listWaiters('env-2', 0)).map((w) => w.id)).toEqual(['w-x'])
        expect((await gw.listAllWaiting()).map((w) => w.id)).toEqual(['w-x', ...order])
      })

      it('lists only waiters still waiting and seen since the time given', async () => {
        await gw.enqueueWaiter(waiter({ id: 'w-1', userId: 'moodle:u-1', at: T0 }))
        await gw.enqueueWaiter(waiter({ id: 'w-2', userId: 'moodle:u-2', at: T0 }))
        await gw.enqueueWaiter(waiter({ id: 'w-3', userId: 'moodle:u-3', at: T0 }))
        expect((await gw.touchWaiter('w-2', T0 + 100))?.seenAt).toBe(T0 + 100)
        await gw.touchWaiter('w-3', T0 + 100)
        await gw.settleWaiter('w-3', { state: 'gone' }, T0 + 101)
        expect((await gw.listWaiters('env-1', T0 + 100)).map((w) => w.id)).toEqual(['w-2'])
        expect((await gw.listWaiters('env-1', T0)).map((w) => w.id)).toEqual(['w-1', 'w-2'])
        expect(await gw.listWaiters('env-1', T0 + 101)).toEqual([])
        expect((await gw.listAllWaiting()).map((w) => w.id)).toEqual(['w-1', 'w-2'])
      })

      it('lists all waiting of one LMS when asked', async () => {
        await gw.enqueueWaiter(waiter({ id: 'w-1' }))
        await gw.enqueueWaiter(
          waiter({ id: 'w-2', lms: 'canvas', userId: 'canvas:u-1', environment: 'env-2' }),
        )
        expect((await gw.listAllWaiting('moodle')).map((w) => w.id)).toEqual(['w-1'])
        expect((await gw.listAllWaiting('canvas')).map((w) => w.id)).toEqual(['w-2'])
        expect(await gw.listAllWaiting('blackboard')).toEqual([])
      })

      it('finds the user’s waiter still waiting for an environment', async () => {
        await gw.enqueueWaiter(waiter({ id: 'w-1' }))
        await gw.enqueueWaiter(waiter({ id: 'w-2', environment: 'env-2' }))
        await gw.enqueueWaiter(waiter({ id: 'w-3', userId: 'moodle:u-2' }))
        expect((await gw.findWaiter('env-1', 'moodle:u-1'))?.id).toBe('w-1')
        expect((await gw.findWaiter('env-2', 'moodle:u-1'))?.id).toBe('w-2')
        expect(await gw.findWaiter('env-3', 'moodle:u-1')).toBeNull()
        expect(await gw.findWaiter('env-1', 'moodle:u-9')).toBeNull()
        await gw.settleWaiter('w-1', { state: 'served', session: 's-1' }, T0 + 1)
        expect(await gw.findWaiter('env-1', 'moodle:u-1')).toBeNull()
        await gw.enqueueWaiter(waiter({ id: 'w-4', at: T0 + 2 }))
        expect((await gw.findWaiter('env-1', 'moodle:u-1'))?.id).toBe('w-4')
      })

      it('settles once: served with its session, or gone; a settled waiter is not touched', async () => {
        await gw.enqueueWaiter(waiter({ id: 'w-1' }))
        await gw.enqueueWaiter(waiter({ id: 'w-2', userId: 'moodle:u-2' }))
        expect(await gw.settleWaiter('nobody', { state: 'gone' }, T0)).toBeNull()
        const served = await gw.settleWaiter('w-1', { state: 'served', session: 's-ü-1' }, T0 + 5)
        expect(served).toMatchObject({ state: 'served', session: 's-ü-1', settledAt: T0 + 5, seenAt: T0 })
        expect(await gw.settleWaiter('w-1', { state: 'gone' }, T0 + 6)).toBeNull()
        expect(await gw.settleWaiter('w-1', { state: 'served', session: 's-2' }, T0 + 6)).toBeNull()
        expect(await gw.touchWaiter('w-1', T0 + 7)).toBeNull()
        expect(await gw.getWaiter('w-1')).toMatchObject({
          state: 'served',
          session: 's-ü-1',
          settledAt: T0 + 5,
          seenAt: T0,
        })
        const gone = await gw.settleWaiter('w-2', { state: 'gone' }, T0 + 8)
        expect(gone).toMatchObject({ state: 'gone', session: null, settledAt: T0 + 8 })
        expect(await gw.touchWaiter('w-2', T0 + 9)).toBeNull()
        expect(await gw.touchWaiter('nobody', T0 + 9)).toBeNull()
      })

      it('lets exactly one of many concurrent settles through', async () => {
        await gw.enqueueWaiter(waiter())
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            gw.settleWaiter(
              'w-1',
              i % 2 ? { state: 'gone' } : { state: 'served', session: `s-${i}` },
              T0 + i,
            ),
          ),
        )
        const winners = results.filter((r) => r !== null)
        expect(winners).toHaveLength(1)
        expect(await gw.getWaiter('w-1')).toEqual(winners[0])
      })

      it('purges waiters settled before a time, and waiting ones last seen before it', async () => {
        await gw.enqueueWaiter(waiter({ id: 'w-old', at: T0 - 1000 }))
        await gw.enqueueWaiter(waiter({ id: 'w-1', userId: 'moodle:u-1' }))
        await gw.enqueueWaiter(waiter({ id: 'w-2', userId: 'moodle:u-2' }))
        await gw.enqueueWaiter(waiter({ id: 'w-3', userId: 'moodle:u-3' }))
        await gw.settleWaiter('w-1', { state: 'served', session: 's-1' }, T0 + 10)
        await gw.settleWaiter('w-2', { state: 'gone' }, T0 + 20)
        await gw.settleWaiter('w-3', { state: 'gone' }, T0 + 30)
        await gw.enqueueWaiter(waiter({ id: 'w-seen', userId: 'moodle:u-4', at: T0 - 1000 }))
        await gw.touchWaiter('w-seen', T0 + 30)
        expect(await gw.purgeWaitersBefore(T0 + 30)).toBe(3)
        expect(await gw.getWaiter('w-1')).toBeNull()
        expect(await gw.getWaiter('w-2')).toBeNull()
        expect(await gw.getWaiter('w-3')).toMatchObject({ state: 'gone' })
        expect(await gw.getWaiter('w-old')).toBeNull()
        expect(await gw.getWaiter('w-seen')).toMatchObject({ state: 'waiting' })
        expect(await gw.purgeWaitersBefore(T0 + 30)).toBe(0)
      })
    })
  })
}
