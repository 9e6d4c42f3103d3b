/**
 * The `Store` conformance suite: every implementation (SQLite always, PostgreSQL when a URL is given)
 * runs it through `runStoreSuite({ name, make })`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Store } from '../../src/store/store.js'
import { buildPortalWorkshop } from '../factories.js'

export interface StoreFactory {
  name: string
  make: () => Promise<{ store: Store; close: () => Promise<void> }>
}

const newSession = (environment: string, o: Partial<Parameters<Store['createSession']>[0]> = {}) => ({
  environment,
  portal: 'lab',
  workshop: 'w',
  state: 'WAITING' as const,
  owner: null,
  reserved: true,
  viaApi: false,
  createdAt: 1000,
  allocatedAt: null,
  startedAt: null,
  expiresAt: null,
  secretNonce: 'nonce',
  indexUrl: null,
  analyticsUrl: null,
  params: {},
  backend: 'fake',
  ...o,
})

export function runStoreSuite(f: StoreFactory): void {
  describe(`Store conformance: ${f.name}`, () => {
    let store: Store
    let close: () => Promise<void>
    beforeEach(async () => {
      ;({ store, close } = await f.make())
    })
    afterEach(async () => close())

    const env = (o: Partial<Parameters<Store['createEnvironment']>[0]> = {}) =>
      store.createEnvironment({
        portal: 'lab',
        workshop: 'w',
        settings: buildPortalWorkshop({ name: 'w' }),
        state: 'RUNNING',
        at: 1,
        ...o,
      })

    it('names environments and sessions from never-reused counters', async () => {
      const e1 = await env()
      const e2 = await env()
      expect([e1.name, e2.name]).toEqual(['lab-w01', 'lab-w02'])
      const s1 = await store.createSession(newSession(e1.name))
      const s2 = await store.createSession(newSession(e1.name))
      expect([s1.name, s2.name]).toEqual(['lab-w01-s001', 'lab-w01-s002'])
      await store.updateSession(s2.name, { state: 'STOPPING' })
      await store.updateSession(s2.name, { state: 'STOPPED', stoppedAt: 5 })
      expect(await store.purgeStopped(10)).toBe(1)
      expect((await store.createSession(newSession(e1.name))).name).toBe('lab-w01-s003')
    })

    it("reads an environment's settings, never one that a rolled-back transaction created", async () => {
      const e = await env()
      expect(await store.getEnvironmentSettings(e.name)).toEqual(e.settings)
      expect(await store.getEnvironmentSettings(e.name)).toEqual(e.settings)
      expect(await store.getEnvironmentSettings('lab-w99')).toBeNull()
      await expect(
        store.transaction(async (tx) => {
          const doomed = await tx.createEnvironment({
            portal: 'lab',
            workshop: 'doomed',
            settings: buildPortalWorkshop({ name: 'doomed' }),
            state: 'RUNNING',
            at: 2,
          })
          expect((await tx.getEnvironmentSettings(doomed.name))?.workshop.name).toBe('doomed')
          throw new Error('boom')
        }),
      ).rejects.toThrow('boom')
      // the counter rolled back too, so the next environment gets the doomed one's name
      const next = await store.createEnvironment({
        portal: 'lab',
        workshop: 'kept',
        settings: buildPortalWorkshop({ name: 'kept' }),
        state: 'RUNNING',
        at: 3,
      })
      expect((await store.getEnvironmentSettings(next.name))?.workshop.name).toBe('kept')
    })

    it("reads an environment's committed state changes back, never a rolled-back one", async () => {
      const e = await env()
      expect((await store.getEnvironment(e.name))?.state).toBe('RUNNING')
      await store.setEnvironmentState(e.name, 'STOPPING', 5)
      expect((await store.getEnvironment(e.name))?.state).toBe('STOPPING')
      await expect(
        store.transaction(async (tx) => {
          await tx.setEnvironmentState(e.name, 'STOPPED', 6)
          expect((await tx.getEnvironment(e.name))?.state).toBe('STOPPED')
          throw new Error('boom')
        }),
      ).rejects.toThrow('boom')
      expect(await store.getEnvironment(e.name)).toMatchObject({ state: 'STOPPING', stoppedAt: null })
      await store.transaction((tx) => tx.setEnvironmentState(e.name, 'STOPPED', 7))
      expect(await store.getEnvironment(e.name)).toMatchObject({ state: 'STOPPED', stoppedAt: 7 })
      expect(await store.getEnvironment('lab-w99')).toBeNull()
    })

    it('lists environments by portal and states, in creation order, whatever the order of the states', async () => {
      const a = await env()
      const b = await env()
      const c = await env({ portal: 'other', state: 'STARTING', at: 2 })
      await store.setEnvironmentState(b.name, 'STOPPING', 3)
      const names = async (f: Parameters<Store['listEnvironments']>[0]) =>
        (await store.listEnvironments(f)).map((e) => e.name)
      expect(await names({})).toEqual([a.name, b.name, c.name])
      expect(await names({ portal: 'lab' })).toEqual([a.name, b.name])
      expect(await names({ portal: 'other' })).toEqual([c.name])
      expect(await names({ states: ['STOPPING', 'STARTING'] })).toEqual([b.name, c.name])
      expect(await names({ portal: 'lab', states: ['RUNNING'] })).toEqual([a.name])
      expect(await names({ portal: 'lab', states: ['STOPPING', 'RUNNING', 'STOPPING'] })).toEqual([
        a.name,
        b.name,
      ])
      expect(await names({ portal: 'lab', states: ['RUNNING', 'STOPPING'] })).toEqual([a.name, b.name])
      expect(await names({ portal: 'lab', states: [] })).toEqual([a.name, b.name])
    })

    it('reads every committed session write back, whichever way it was made', async () => {
      const e = await env()
      const s = await store.createSession(newSession(e.name))
      expect((await store.getSession(s.name))?.state).toBe('WAITING')
      expect((await store.getSession(s.name))?.state).toBe('WAITING')
      await store.updateSession(s.name, { expiresAt: 50 })
      expect((await store.getSession(s.name))?.expiresAt).toBe(50)
      await store.transaction(async (tx) => {
        await tx.updateSession(s.name, { expiresAt: 60 })
      })
      expect((await store.getSession(s.name))?.expiresAt).toBe(60)
      await expect(
        store.transaction(async (tx) => {
          await tx.updateSession(s.name, { expiresAt: 70 })
          expect((await tx.getSession(s.name))?.expiresAt).toBe(70)
          throw new Error('boom')
        }),
      ).rejects.toThrow('boom')
      expect((await store.getSession(s.name))?.expiresAt).toBe(60)
      await store.createUser({ id: 'u1', kind: 'anonymous', at: 1 })
      const taken = await store.takeReserve(e.name, { owner: 'u1', allocatedAt: 5 })
      expect(taken?.name).toBe(s.name)
      expect(await store.getSession(s.name)).toMatchObject({ state: 'RUNNING', owner: 'u1' })
      await store.updateSession(s.name, { state: 'STOPPING' })
      await store.updateSession(s.name, { state: 'STOPPED', stoppedAt: 5 })
      expect(await store.purgeStopped(10)).toBe(1)
      expect(await store.getSession(s.name)).toBeNull()
    })

    it("keeps a session's timeAllowed, 0 unless given, through create, take and update", async () => {
      const e = await env()
      const reserve = await store.createSession(newSession(e.name))
      expect(reserve.timeAllowed).toBe(0)
      expect((await store.getSession(reserve.name))?.timeAllowed).toBe(0)
      const capped = await store.createSession(newSession(e.name, { state: 'RUNNING', timeAllowed: 1200 }))
      expect(capped.timeAllowed).toBe(1200)
      expect((await store.getSession(capped.name))?.timeAllowed).toBe(1200)
      await store.createUser({ id: 'u1', kind: 'anonymous', at: 1 })
      const taken = await store.takeReserve(e.name, { owner: 'u1', allocatedAt: 5, timeAllowed: 600 })
      expect(taken).toMatchObject({ name: reserve.name, timeAllowed: 600 })
      expect((await store.getSession(reserve.name))?.timeAllowed).toBe(600)
      expect((await store.updateSession(reserve.name, { timeAllowed: 300 }))?.timeAllowed).toBe(300)
      expect((await store.getSession(reserve.name))?.timeAllowed).toBe(300)
      expect((await store.listSessions({ environment: e.name })).map((s) => s.timeAllowed)).toEqual([
        300, 1200,
      ])
    })

    it('keeps the replica that created a session, and lists a replica’s sessions with those older than replicas', async () => {
      const e = await env()
      const old = await store.createSession(newSession(e.name))
      const a = await store.createSession(newSession(e.name, { replica: 'r-a' }))
      const b = await store.createSession(newSession(e.name, { replica: 'r-b' }))
      expect([old.replica, a.replica, b.replica]).toEqual([null, 'r-a', 'r-b'])
      expect((await store.getSession(b.name))?.replica).toBe('r-b')
      const of = async (replica: string) => (await store.listSessions({ replica })).map((s) => s.name)
      expect(await of('r-a')).toEqual([old.name, a.name])
      expect(await of('r-b')).toEqual([old.name, b.name])
      expect(await of('r-c')).toEqual([old.name])
      expect(await store.listSessions()).toHaveLength(3)
    })

    it('never keeps a session read that raced with a write to it', async () => {
      const e = await env()
      const s = await store.createSession(newSession(e.name))
      for (let i = 1; i <= 20; i++) {
        const racing = [
          store.getSession(s.name),
          store.updateSession(s.name, { expiresAt: i }),
          store.getSession(s.name),
        ]
        await Promise.all(racing)
        expect((await store.getSession(s.name))?.expiresAt).toBe(i)
      }
    })

    it("finds a user's newest session holding capacity in an environment and counts theirs per portal", async () => {
      const e = await env()
      await store.createUser({ id: 'u1', kind: 'anonymous', at: 1 })
      const mine = { owner: 'u1', state: 'RUNNING' as const, reserved: false }
      await store.createSession(newSession(e.name, { ...mine, createdAt: 1000 }))
      const newest = await store.createSession(newSession(e.name, { ...mine, createdAt: 3000 }))
      await store.createSession(newSession(e.name, { ...mine, createdAt: 2000 }))
      await store.createSession(newSession(e.name, { ...mine, createdAt: 4000, state: 'STOPPING' }))
      await store.createSession(newSession(e.name, { ...mine, createdAt: 500, portal: 'other' }))
      expect((await store.findHoldingSession('u1', e.name))?.name).toBe(newest.name)
      expect(await store.findHoldingSession('u1', 'lab-w99')).toBeNull()
      expect(await store.countUserSessions('lab', 'u1')).toBe(3)
      expect(await store.countUserSessions('other', 'u1')).toBe(1)
      expect(await store.countUserSessions('lab', 'nobody')).toBe(0)
    })

    it('keeps a user id exactly as given and refuses duplicates', async () => {
      const u = await store.createUser({ id: 'Ext:User/42 ü', kind: 'anonymous', email: 'a@b.c', at: 5 })
      expect((await store.getUser('Ext:User/42 ü'))?.email).toBe('a@b.c')
      await expect(store.createUser({ id: u.id, kind: 'anonymous', at: 6 })).rejects.toMatchObject({
        code: 'conflict',
      })
      expect((await store.updateUserDetails(u.id, { firstName: 'Ada' }, 7))?.firstName).toBe('Ada')
      expect((await store.getUser(u.id))?.email).toBe('a@b.c')
    })

    it('reads many users by id at once, leaving out unknown ids', async () => {
      await store.createUser({ id: 'g1', kind: 'anonymous', username: 'gail', at: 1 })
      await store.createUser({ id: 'g2', kind: 'registered', at: 1 })
      const got = await store.getUsers(['g2', 'nobody', 'g1', 'g1'])
      expect(got.map((u) => u.id).sort()).toEqual(['g1', 'g2'])
      expect(got.find((u) => u.id === 'g1')?.username).toBe('gail')
      expect(await store.getUsers([])).toEqual([])
      await expect(store.getUsers(Array.from({ length: 1001 }, (_, i) => `x${i}`))).rejects.toThrow()
    })

    it('hands one reserve to exactly one of many concurrent takers', async () => {
      const e = await env()
      await store.createUser({ id: 'u', kind: 'anonymous', at: 1 })
      await store.createSession(newSession(e.name))
      const takes = await Promise.all(
        Array.from({ length: 10 }, () => store.takeReserve(e.name, { owner: 'u', allocatedAt: 2 })),
      )
      expect(takes.filter(Boolean)).toHaveLength(1)
      expect(takes.find(Boolean)).toMatchObject({ state: 'RUNNING', owner: 'u', allocatedAt: 2 })
      expect(await store.takeReserve(e.name, { owner: 'u' })).toBeNull()
    })

    it('applies conditional updates only in the given states and at the given version', async () => {
      const e = await env()
      const s = await store.createSession(newSession(e.name))
      expect(await store.updateSession(s.name, { state: 'STOPPING' }, ['RUNNING'])).toBeNull()
      const v = (await store.updateSession(s.name, { expiresAt: 9 }, ['WAITING']))!
      expect(v.version).toBe(s.version + 1)
      expect(await store.updateSession(s.name, { expiresAt: 10 }, undefined, s.version)).toBeNull()
      expect((await store.updateSession(s.name, { expiresAt: 10 }, undefined, v.version))?.expiresAt).toBe(10)
    })

    it('changes a state only as the transition table allows', async () => {
      const e = await env()
      const s = await store.createSession(newSession(e.name, { state: 'RUNNING' }))
      // Named states the table forbids going from: a bug, refused before anything is written.
      await expect(store.updateSession(s.name, { state: 'STOPPED' }, ['RUNNING'])).rejects.toMatchObject({
        code: 'illegal_transition',
      })
      // No states named: the table is the condition, so RUNNING does not go straight to STOPPED.
      expect(await store.updateSession(s.name, { state: 'STOPPED', stoppedAt: 5 })).toBeNull()
      expect(await store.getSession(s.name)).toMatchObject({ state: 'RUNNING', version: s.version })
      expect(await store.updateSession(s.name, { state: 'STOPPING' })).toMatchObject({ state: 'STOPPING' })
      expect(await store.updateSession(s.name, { state: 'STOPPED', stoppedAt: 5 })).toMatchObject({
        state: 'STOPPED',
      })
    })

    it('counts sessions holding capacity per environment and portal', async () => {
      const a = await env()
      const b = await env()
      await store.createUser({ id: 'u', kind: 'anonymous', at: 1 })
      await store.createSession(newSession(a.name))
      await store.createSession(newSession(a.name, { state: 'STARTING' }))
      await store.createSession(newSession(a.name, { state: 'RUNNING', owner: 'u' }))
      await store.createSession(newSession(b.name, { state: 'STOPPING', owner: 'u' }))
      const c = await store.countSessions('lab')
      expect(c.portalHolding).toBe(3)
      expect(c.environments.get(a.name)).toEqual({ holding: 3, waiting: 1, unallocated: 2, allocated: 1 })
      expect(c.environments.get(b.name)).toBeUndefined()
      expect(await store.countUserSessions('lab', 'u')).toBe(1)
      expect((await store.oldestReserve('lab'))?.environment).toBe(a.name)
      expect(await store.oldestReserve('lab', a.name)).toBeNull()
    })

    it('counts every session with a row by environment and state, ended ones too, per portal', async () => {
      const a = await env()
      const b = await env()
      const other = await env({ portal: 'elsewhere' })
      await store.createSession(newSession(a.name))
      await store.createSession(newSession(a.name))
      await store.createSession(newSession(a.name, { state: 'STARTING' }))
      const ending = await store.createSession(newSession(b.name, { state: 'RUNNING' }))
      await store.updateSession(ending.name, { state: 'STOPPING' })
      await store.updateSession(ending.name, { state: 'STOPPED', stoppedAt: 10 })
      await store.createSession(newSession(other.name, { portal: 'elsewhere' }))
      const key = (r: { environment: string; state: string }) => `${r.environment}/${r.state}`
      const rows = await store.countSessionsByState('lab')
      expect(rows.map((r) => [key(r), r.count]).sort()).toEqual(
        [
          [`${a.name}/STARTING`, 1],
          [`${a.name}/WAITING`, 2],
          [`${b.name}/STOPPED`, 1],
        ].sort(),
      )
      expect(await store.countSessionsByState('nowhere')).toEqual([])
    })

    it('keeps the counts right through state and owner changes, rollbacks and purges', async () => {
      const a = await env()
      const b = await env()
      await store.createUser({ id: 'u', kind: 'anonymous', at: 1 })
      const truth = async () => {
        const holding = await store.listSessions({ states: ['STARTING', 'WAITING', 'RUNNING'] })
        const byEnv = new Map<
          string,
          { holding: number; waiting: number; unallocated: number; allocated: number }
        >()
        for (const s of holding) {
          const c = byEnv.get(s.environment) ?? { holding: 0, waiting: 0, unallocated: 0, allocated: 0 }
          c.holding++
          if (s.owner) c.allocated++
          else {
            c.unallocated++
            if (s.state === 'WAITING') c.waiting++
          }
          byEnv.set(s.environment, c)
        }
        return { portalHolding: holding.length, environments: byEnv }
      }
      const s1 = await store.createSession(newSession(a.name, { state: 'STARTING' }))
      const s2 = await store.createSession(newSession(a.name))
      const s3 = await store.createSession(newSession(b.name))
      await store.updateSession(s1.name, { state: 'WAITING' })
      await store.updateSession(s2.name, { owner: 'u', state: 'RUNNING' })
      await store.updateSession(s3.name, { expiresAt: 5 }) // no count changes
      expect(await store.countSessions('lab')).toEqual(await truth())
      await expect(
        store.transaction(async (tx) => {
          await tx.updateSession(s1.name, { owner: 'u', state: 'RUNNING' })
          await tx.createSession(newSession(b.name))
          throw new Error('undo')
        }),
      ).rejects.toThrow('undo')
      expect(await store.countSessions('lab')).toEqual(await truth())
      await store.updateSession(s2.name, { state: 'STOPPING' })
      await store.updateSession(s2.name, { state: 'STOPPED', stoppedAt: 10 })
      await store.updateSession(s3.name, { state: 'STOPPING' })
      await store.updateSession(s3.name, { state: 'STOPPED', stoppedAt: 10 })
      expect(await store.purgeStopped(100)).toBe(2)
      const c = await store.countSessions('lab')
      expect(c).toEqual(await truth())
      expect(c.portalHolding).toBe(1)
      expect(c.environments.get(a.name)).toEqual({ holding: 1, waiting: 1, unallocated: 1, allocated: 0 })
      expect(c.environments.get(b.name)).toBeUndefined()
    })

    it('serialises count-then-create allocations under the portal lock', async () => {
      const e = await env()
      const capacity = 3
      const attempt = () =>
        store.transaction(async (tx) => {
          await tx.lockPortal('lab')
          const holding = (await tx.countSessions('lab')).portalHolding
          if (holding >= capacity) return null
          return tx.createSession(newSession(e.name))
        })
      const made = await Promise.all(Array.from({ length: 12 }, attempt))
      expect(made.filter(Boolean)).toHaveLength(capacity)
      expect((await store.countSessions('lab')).portalHolding).toBe(capacity)
    })

    it('rolls a failed transaction back completely', async () => {
      const e = await env()
      await expect(
        store.transaction(async (tx) => {
          await tx.createSession(newSession(e.name))
          throw new Error('boom')
        }),
      ).rejects.toThrow('boom')
      expect(await store.listSessions()).toHaveLength(0)
    })

    it('pages sessions newest first under filters, with the total that match', async () => {
      const a = await env()
      const b = await env({ workshop: 'v', settings: buildPortalWorkshop({ name: 'v' }) })
      await store.createUser({ id: 'u1', kind: 'registered', at: 1 })
      for (let i = 0; i < 5; i++)
        await store.createSession(newSession(a.name, { createdAt: 1000 + i, owner: i % 2 ? 'u1' : null }))
      await store.createSession(
        newSession(b.name, { workshop: 'v', state: 'RUNNING', owner: 'u1', createdAt: 2000 }),
      )
      const first = await store.pageSessions({ portal: 'lab' }, { limit: 2, offset: 0 })
      expect(first.total).toBe(6)
      expect(first.sessions.map((s) => s.name)).toEqual(['lab-w02-s001', 'lab-w01-s005'])
      const last = await store.pageSessions({ portal: 'lab' }, { limit: 2, offset: 4 })
      expect(last.sessions.map((s) => s.name)).toEqual(['lab-w01-s002', 'lab-w01-s001'])
      const mine = await store.pageSessions({ owner: 'u1', workshop: 'w' }, { limit: 10, offset: 0 })
      expect(mine.sessions.map((s) => s.name)).toEqual(['lab-w01-s004', 'lab-w01-s002'])
      expect(mine.total).toBe(2)
      const running = await store.pageSessions(
        { states: ['RUNNING'], environment: b.name },
        { limit: 0, offset: 0 },
      )
      expect(running).toEqual({ sessions: [], total: 1 })
      expect((await store.pageSessions({ portal: 'other' }, { limit: 5, offset: 0 })).total).toBe(0)
    })

    it("sets and clears a user's disabled flag, and nothing for an unknown user", async () => {
      await store.createUser({ id: 'u1', kind: 'registered', username: 'ada', at: 1 })
      expect((await store.getUser('u1'))?.disabled).toBe(false)
      expect((await store.setUserDisabled('u1', true, 2))?.disabled).toBe(true)
      expect((await store.getUserByUsername('ada'))?.disabled).toBe(true)
      expect((await store.setUserDisabled('u1', true, 3))?.disabled).toBe(true)
      expect((await store.setUserDisabled('u1', false, 4))?.disabled).toBe(false)
      expect(await store.setUserDisabled('nobody', true, 5)).toBeNull()
    })

    it('records events and settings', async () => {
      await store.appendEvent({ at: 1, name: 'Session/Created', session: 's', data: { a: 1 } })
      expect(await store.listEvents({ session: 's' })).toMatchObject([
        { name: 'Session/Created', data: { a: 1 } },
      ])
      await store.appendEvent({ at: 20, name: 'Session/Started', session: 's', data: {} })
      expect(await store.purgeEvents(20)).toBe(1)
      expect((await store.listEvents({ session: 's' })).map((e) => e.name)).toEqual(['Session/Started'])
      expect(await store.setSettingIfAbsent('k', 'one')).toBe('one')
      expect(await store.setSettingIfAbsent('k', 'two')).toBe('one')
      await store.setSetting('k', 'three')
      expect(await store.getSetting('k')).toBe('three')
    })
  })
}
