/** The session runner's state changes over a real store: every one goes through the transition table. */
import { afterEach, describe, expect, it } from 'vitest'
import { CrashingFakeBackend, SlowFakeBackend } from '../../src/backends/fake/index.js'
import { requestSession } from '../../src/broker/request-session.js'
import { buildPortal, buildPortalWorkshop, startBroker, type BrokerHarness } from './broker-harness.js'

let h: BrokerHarness
afterEach(async () => h?.close())

const portal = () => buildPortal({ workshops: [buildPortalWorkshop({ name: 'w', reserved: 0 })] })
const ask = (user: string) =>
  requestSession(h.deps, {
    environment: 'lab-w01',
    user,
    details: {},
    indexUrl: 'https://hub.test/',
    timeout: 60,
    params: {},
  })
const eventsOf = async (session: string) =>
  (await h.deps.store.listEvents({ session })).map((e) => [e.name, e.data])

describe('session runner', () => {
  it('takes a session whose sandbox failed to start through STOPPING to STOPPED, in one commit', async () => {
    h = await startBroker(portal(), new CrashingFakeBackend({ when: 'start' }))
    const r = await ask('unlucky')
    await h.deps.runner.whenSettled(r.session.name)
    const s = (await h.deps.store.getSession(r.session.name))!
    expect(s).toMatchObject({ state: 'STOPPED', stopReason: 'failed', stoppingAt: h.clock.now() })
    expect(s.version).toBe(r.session.version + 2) // STOPPING, then STOPPED
    expect(await eventsOf(s.name)).toEqual([
      ['Session/Created', {}],
      ['Session/Pending', {}],
      ['Session/Deleted', { reason: 'failed' }],
    ])
  })

  it("announces an owned session's sandbox coming up to live views, without an audited event", async () => {
    h = await startBroker(portal(), new SlowFakeBackend({ startDelayMs: 20 }))
    const heard: { name: string; session?: string | null }[] = []
    h.deps.events.onPublished((e) => heard.push({ name: e.name, session: e.session }))
    const r = await ask('watched')
    await h.deps.runner.whenSettled(r.session.name)
    const running = heard.find((e) => e.name === 'Session/Running')
    expect(running).toMatchObject({ session: r.session.name })
    expect((await h.deps.store.getSession(r.session.name))!.state).toBe('RUNNING')
    expect((await eventsOf(r.session.name)).map(([name]) => name)).not.toContain('Session/Running')
  })

  it('keeps the reason of a session stopped while its sandbox was starting', async () => {
    h = await startBroker(portal(), new SlowFakeBackend({ startDelayMs: 50 }))
    const r = await ask('impatient')
    await h.deps.runner.stop(r.session.name, 'terminated')
    await h.settle()
    expect(await h.deps.store.getSession(r.session.name)).toMatchObject({
      state: 'STOPPED',
      stopReason: 'terminated',
    })
  })

  it('stops a session only once, and never one that has stopped', async () => {
    h = await startBroker(portal())
    const r = await ask('twice')
    await h.settle()
    expect(await h.deps.runner.stop(r.session.name, 'terminated')).toMatchObject({ state: 'STOPPING' })
    expect(await h.deps.runner.stop(r.session.name, 'expired')).toBeNull()
    await h.settle()
    expect(await h.deps.runner.stop(r.session.name, 'expired')).toBeNull()
    expect(await h.deps.store.getSession(r.session.name)).toMatchObject({
      state: 'STOPPED',
      stopReason: 'terminated',
    })
  })
})
