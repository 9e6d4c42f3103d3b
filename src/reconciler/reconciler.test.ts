/** The reconciler applies the domain's verdicts: over a SQLite store in memory and the fake backend. */
import { afterEach, describe, expect, it } from 'vitest'
import { FakeBackend } from '../backends/fake/index.js'
import { activateSession } from '../broker/activate-session.js'
import { requestSession } from '../broker/request-session.js'
import type { PortalWorkshop } from '../config/types.js'
import { STOP_RETRY_MS } from '../domain/verdicts.js'
import {
  buildPortal,
  buildPortalWorkshop,
  startBroker,
  type BrokerHarness,
} from '../../test/broker/broker-harness.js'
import { Reconciler } from './reconciler.js'

let h: BrokerHarness
afterEach(async () => h?.close())

const start = async (w: Partial<PortalWorkshop> = {}, backend = new FakeBackend()) => {
  h = await startBroker(buildPortal({ workshops: [buildPortalWorkshop({ name: 'w', ...w })] }), backend)
  await h.settle()
  return backend
}
const ask = (user: string, timeout = 60) =>
  requestSession(h.deps, {
    environment: 'lab-w01',
    user,
    details: {},
    indexUrl: 'https://hub.test/',
    timeout,
    params: {},
  })
const row = async (name: string) => (await h.deps.store.getSession(name))!
const visible = () => h.deps.store.listSessions({ states: ['STARTING', 'WAITING', 'RUNNING', 'STOPPING'] })

describe('reconciler', () => {
  it('stops a pending session once its activation window has passed, on a full pass only', async () => {
    await start({ reserved: 0 })
    const r = await ask('slow', 30)
    await h.settle()
    h.clock.advance(30_000)
    await h.reconciler.runPass('light')
    expect((await row(r.session.name)).state).toBe('RUNNING')
    await h.reconciler.runPass()
    expect(await row(r.session.name)).toMatchObject({ state: 'STOPPING', stopReason: 'activation-timeout' })
    await h.settle()
    expect((await row(r.session.name)).state).toBe('STOPPED')
  })

  it('stops an activated session at its expiry, and an idle one as orphaned', async () => {
    await start({ reserved: 0, expires: 600, orphaned: 120 })
    const a = await ask('a')
    const b = await ask('b', 300)
    await h.settle()
    await activateSession(h.deps, a.session.name, a.token, null)
    h.clock.advance(100_000)
    await activateSession(h.deps, b.session.name, b.token, null)
    h.clock.advance(20_000) // a: idle 120 s; b: idle 20 s
    await h.reconciler.runPass()
    expect((await row(a.session.name)).stopReason).toBe('orphaned')
    expect((await row(b.session.name)).state).toBe('RUNNING')
    h.clock.advance(580_000) // b: 600 s since activation, active and seen just now
    await h.deps.store.updateSession(b.session.name, {
      lastActivityAt: h.clock.now(),
      lastViewAt: h.clock.now(),
    })
    await h.reconciler.runPass()
    expect((await row(b.session.name)).stopReason).toBe('expired')
  })

  it('keeps `initial` reserves until the first request, then `reserved`', async () => {
    await start({ reserved: 3, initial: 1 })
    expect(await visible()).toHaveLength(1)
    await ask('first')
    await h.settle()
    const sessions = await visible()
    expect(sessions.filter((s) => s.owner === null)).toHaveLength(3)
    expect(sessions.filter((s) => s.owner === 'first')).toHaveLength(1)
  })

  it('tops reserves up within the capacity and the portal maximum', async () => {
    h = await startBroker(
      buildPortal({
        maximum: 3,
        workshops: [
          buildPortalWorkshop({ name: 'w', reserved: 2, capacity: 5 }),
          buildPortalWorkshop({ name: 'v', reserved: 2, capacity: 1 }),
        ],
      }),
    )
    await h.settle()
    const byEnv = (await visible()).map((s) => s.environment).sort()
    expect(byEnv).toEqual(['lab-w01', 'lab-w01', 'lab-w02'])
  })

  it('reaps a sandbox that vanished on an observing pass', async () => {
    const backend = await start({ reserved: 1 })
    const [reserve] = await visible()
    backend.kill(reserve!.handle as never)
    for (let i = 0; i < 5; i++) await h.reconciler.runPass()
    expect((await row(reserve!.name)).stopReason).toBe('vanished')
  })

  it("records the backend's reason for a sandbox that went (a Slurm job's time limit)", async () => {
    const backend = await start({ reserved: 1 })
    const [reserve] = await visible()
    backend.kill(reserve!.handle as never, 'the Slurm job reached its time limit (60 min)')
    for (let i = 0; i < 5; i++) await h.reconciler.runPass()
    expect((await row(reserve!.name)).stopReason).toBe('vanished')
    const stopping = await h.deps.store.listEvents({ name: 'Session/Stopping' })
    expect(stopping.find((e) => e.session === reserve!.name)?.data).toEqual({
      reason: 'vanished',
      detail: 'the Slurm job reached its time limit (60 min)',
    })
  })

  it('drains the reserves of a STOPPING environment, then closes it', async () => {
    await start({ reserved: 2 })
    await h.deps.store.setEnvironmentState('lab-w01', 'STOPPING', h.clock.now())
    await h.reconciler.runPass()
    expect(new Set((await visible()).map((s) => s.stopReason))).toEqual(new Set(['drained']))
    await h.settle()
    expect((await h.deps.store.getEnvironment('lab-w01'))!.state).toBe('STOPPED')
    expect((await h.deps.store.listEvents({ name: 'Environment/Deleted' })).length).toBe(1)
  })

  it('finishes a stop cut short once it has waited long enough', async () => {
    await start({ reserved: 1 })
    const [reserve] = await visible()
    // A stop cut short: the row went STOPPING, its sandbox was never taken down.
    await h.deps.store.updateSession(reserve!.name, {
      state: 'STOPPING',
      stoppingAt: h.clock.now(),
      stopReason: 'terminated',
    })
    h.clock.advance(STOP_RETRY_MS)
    await h.reconciler.runPass()
    expect((await row(reserve!.name)).state).toBe('STOPPING')
    h.clock.advance(1)
    await h.reconciler.runPass()
    expect(await row(reserve!.name)).toMatchObject({ state: 'STOPPED', stopReason: 'terminated' })
    expect(h.backend instanceof FakeBackend && h.backend.liveCount).toBe(1) // its replacement only
  })

  it('purges STOPPED rows once the retention has passed', async () => {
    await start({ reserved: 0 })
    const r = await ask('gone')
    await h.settle()
    await h.deps.runner.stop(r.session.name, 'terminated')
    await h.settle()
    h.clock.advance(3600_000)
    await h.reconciler.runPass()
    expect(await h.deps.store.getSession(r.session.name)).not.toBeNull()
    h.clock.advance(1)
    await h.reconciler.runPass()
    expect(await h.deps.store.getSession(r.session.name)).toBeNull()
  })

  it('at start-up restarts an allocated session whose start was cut off and drops such a reserve', async () => {
    await start({ reserved: 0 })
    const r = await ask('owner')
    await h.settle()
    const base = await row(r.session.name)
    // Rows as a crash leaves them: STARTING without a handle.
    const owned = await h.deps.store.createSession({ ...base, state: 'STARTING', owner: 'owner' })
    const reserve = await h.deps.store.createSession({ ...base, state: 'STARTING', owner: null })
    const restarted = new Reconciler(h.deps, { intervalMs: 3_600_000 })
    await restarted.start()
    await restarted.stop()
    await h.deps.runner.whenSettled(owned.name)
    expect((await row(owned.name)).state).toBe('RUNNING')
    expect(await row(reserve.name)).toMatchObject({ state: 'STOPPING', stopReason: 'failed' })
  })
})
