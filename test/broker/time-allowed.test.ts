/** A session's own cap (`timeAllowed`) through allocation, re-attachment, activation, extension and expiry. */
import { afterEach, describe, expect, it } from 'vitest'
import { activateSession } from '../../src/broker/activate-session.js'
import { requestSession, type SessionRequest } from '../../src/broker/request-session.js'
import { extendSession, sessionSchedule } from '../../src/broker/session-ops.js'
import { buildPortal, buildPortalWorkshop, startBroker, type BrokerHarness } from './broker-harness.js'

let h: BrokerHarness
afterEach(async () => h?.close())

const ask = (user: string, o: Partial<SessionRequest> = {}) =>
  requestSession(h.deps, {
    environment: 'lab-w01',
    user,
    details: {},
    indexUrl: 'https://hub.test/',
    timeout: 0,
    params: {},
    ...o,
  })

const row = async (name: string) => (await h.deps.store.getSession(name))!

/** A workshop of 10 minutes, extended 5 minutes at a time up to 30 minutes. */
const start = (reserved = 0) =>
  startBroker(
    buildPortal({
      workshops: [
        buildPortalWorkshop({
          name: 'w',
          reserved,
          capacity: 3,
          expires: 600,
          overtime: 300,
          deadline: 1800,
        }),
      ],
    }),
  )

describe('a session with timeAllowed', () => {
  it('is created with its cap, an activation window and an expiry no longer than it', async () => {
    h = await start()
    const r = await ask('u', { timeAllowed: 120 })
    expect(r.session).toMatchObject({ timeAllowed: 120, expiresAt: h.clock.now() + 120_000 })
    await h.settle()
    h.clock.advance(5_000)
    const activated = await activateSession(h.deps, r.session.name, r.token, null)
    expect(activated.session.expiresAt).toBe(h.clock.now() + 120_000)
    expect((await row(r.session.name)).timeAllowed).toBe(120)
  })

  it('takes a waiting reserve with its cap', async () => {
    h = await start(1)
    await h.settle()
    const [reserve] = await h.deps.store.listSessions({ states: ['WAITING'] })
    const r = await ask('u', { timeAllowed: 240 })
    expect(r.session).toMatchObject({ name: reserve!.name, timeAllowed: 240 })
    await activateSession(h.deps, r.session.name, r.token, null)
    expect((await row(r.session.name)).expiresAt).toBe(h.clock.now() + 240_000)
  })

  it("keeps the workshop's expiry when the cap is longer, and without one", async () => {
    h = await start()
    const long = await ask('u', { timeAllowed: 3600 })
    const none = await ask('v')
    expect(none.session.timeAllowed).toBe(0)
    await h.settle()
    for (const r of [long, none]) {
      await activateSession(h.deps, r.session.name, r.token, null)
      expect((await row(r.session.name)).expiresAt).toBe(h.clock.now() + 600_000)
    }
  })

  it('is extended up to startedAt + timeAllowed and no further, then ends there', async () => {
    h = await start()
    const r = await ask('u', { timeAllowed: 800 })
    await h.settle()
    await activateSession(h.deps, r.session.name, r.token, null)
    const startedAt = h.clock.now()
    h.clock.advance(590_000)
    const first = await extendSession(h.deps, await row(r.session.name))
    expect(first).toMatchObject({ extended: true, expires: startedAt + 800_000, extendable: false })
    h.clock.advance(200_000)
    const second = await extendSession(h.deps, await row(r.session.name))
    expect(second).toMatchObject({ extended: false, expires: startedAt + 800_000, extendable: false })
    expect(await sessionSchedule(h.deps, await row(r.session.name))).toMatchObject({
      expires: startedAt + 800_000,
      countdown: 10,
      extendable: false,
    })
    h.clock.advance(10_000)
    await h.settle()
    expect(await row(r.session.name)).toMatchObject({ state: 'STOPPED', stopReason: 'expired' })
  })

  it('is extended as before when the cap is beyond the deadline', async () => {
    h = await start()
    const r = await ask('u', { timeAllowed: 7200 })
    await h.settle()
    await activateSession(h.deps, r.session.name, r.token, null)
    const startedAt = h.clock.now()
    h.clock.advance(590_000)
    expect(await extendSession(h.deps, await row(r.session.name))).toMatchObject({
      extended: true,
      expires: startedAt + 900_000,
    })
  })
})

describe('re-attaching to a held session', () => {
  it('applies a tighter cap to an activated session, never a looser one', async () => {
    h = await start()
    const r = await ask('u')
    await h.settle()
    await activateSession(h.deps, r.session.name, r.token, null)
    const startedAt = h.clock.now()
    h.clock.advance(30_000)
    const tighter = await ask('u', { timeAllowed: 300 })
    expect(tighter.session).toMatchObject({
      name: r.session.name,
      timeAllowed: 300,
      expiresAt: startedAt + 300_000,
    })
    const looser = await ask('u', { timeAllowed: 500 })
    expect(looser.session).toMatchObject({ timeAllowed: 300, expiresAt: startedAt + 300_000 })
    const none = await ask('u')
    expect(none.session).toMatchObject({ timeAllowed: 300, expiresAt: startedAt + 300_000 })
    expect(await row(r.session.name)).toMatchObject({ timeAllowed: 300, expiresAt: startedAt + 300_000 })
  })

  it('gives a pending session the tighter cap, which its activation then applies', async () => {
    h = await start()
    const r = await ask('u', { timeAllowed: 400 })
    await h.settle()
    h.clock.advance(10_000)
    const again = await ask('u', { timeAllowed: 200 })
    expect(again.token).toBe(r.token)
    expect(again.session).toMatchObject({ timeAllowed: 200, expiresAt: h.clock.now() + 200_000 })
    h.clock.advance(10_000)
    await activateSession(h.deps, r.session.name, r.token, null)
    expect((await row(r.session.name)).expiresAt).toBe(h.clock.now() + 200_000)
  })
})

it('refuses a negative or fractional timeAllowed and allocates nothing', async () => {
  h = await start()
  await expect(ask('u', { timeAllowed: -1 })).rejects.toThrow(RangeError)
  await expect(ask('u', { timeAllowed: 1.5 })).rejects.toThrow(RangeError)
  expect(await h.deps.store.listSessions({})).toEqual([])
})
