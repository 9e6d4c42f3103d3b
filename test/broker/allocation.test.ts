/** The allocation use case over a real store and a fake backend: reserves, caps, eviction, idempotence. */
import { afterEach, describe, expect, it } from 'vitest'
import { CrashingFakeBackend, FakeBackend } from '../../src/backends/fake/index.js'
import { activateSession } from '../../src/broker/activate-session.js'
import { extendSession } from '../../src/broker/session-ops.js'
import { requestSession, type SessionRequest } from '../../src/broker/request-session.js'
import { LabgateError } from '../../src/domain/errors.js'
import type { Store } from '../../src/store/store.js'
import { NUDGE_DELAY_MS } from '../../src/reconciler/reconciler.js'
import { buildPortal, buildPortalWorkshop, startBroker, type BrokerHarness } from './broker-harness.js'
import { overriding } from '../overriding.js'

let h: BrokerHarness
afterEach(async () => h?.close())

const ask = (env: string, user?: string, o: Partial<SessionRequest> = {}) =>
  requestSession(h.deps, {
    environment: env,
    user,
    details: {},
    indexUrl: 'https://hub.test/',
    timeout: 60,
    params: {},
    ...o,
  })

/**
 * `store`, with `meanwhile` run each time an activation reads the environment: between its first read
 * of the session and its write, where another request could land.
 */
function racingStore(store: Store, meanwhile: () => Promise<unknown>): Store {
  return overriding(store, {
    getEnvironment: async (name: string) => {
      await meanwhile()
      return store.getEnvironment(name)
    },
  })
}

const code = async (p: Promise<unknown>) => {
  try {
    await p
    return 'ok'
  } catch (e) {
    return e instanceof LabgateError ? `${e.code}: ${e.message}` : String(e)
  }
}

describe('allocation', () => {
  it('takes the WAITING reserve first and starts a replacement', async () => {
    h = await startBroker(
      buildPortal({ workshops: [buildPortalWorkshop({ name: 'w', capacity: 3, reserved: 1 })] }),
    )
    await h.settle()
    const [reserve] = await h.deps.store.listSessions({ states: ['WAITING'] })
    const r = await ask('lab-w01', 'u1')
    expect(r.session.name).toBe(reserve!.name)
    expect(r.session.state).toBe('RUNNING')
    await h.settle()
    const waiting = await h.deps.store.listSessions({ states: ['WAITING'] })
    expect(waiting).toHaveLength(1)
    expect(waiting[0]!.name).not.toBe(reserve!.name)
  })

  it('replaces a taken reserve after the nudge delay, not while the learner signs in', async () => {
    h = await startBroker(
      buildPortal({ workshops: [buildPortalWorkshop({ name: 'w', capacity: 3, reserved: 1 })] }),
    )
    await h.settle()
    await h.reconciler.start() // the harness runs passes by hand; nudges need it started
    const live = () => h.deps.store.listSessions({ states: ['STARTING', 'WAITING', 'RUNNING'] })
    expect(await live()).toHaveLength(1)
    const taken = Date.now()
    await ask('lab-w01', 'u1')
    await new Promise((r) => setTimeout(r, 30))
    if (Date.now() - taken < NUDGE_DELAY_MS) expect(await live()).toHaveLength(1)
    let replacedAt: number | null = null
    for (let i = 0; i < 100 && replacedAt === null; i++) {
      await new Promise((r) => setTimeout(r, 20))
      if ((await live()).length === 2) replacedAt = Date.now()
    }
    expect(replacedAt).not.toBeNull()
    // However slow this machine, the replacement cannot have come before the delay had passed.
    expect(replacedAt! - taken).toBeGreaterThanOrEqual(NUDGE_DELAY_MS)
  })

  it('creates on demand when no reserve is waiting, within capacity', async () => {
    h = await startBroker(
      buildPortal({ workshops: [buildPortalWorkshop({ name: 'w', capacity: 2, reserved: 0 })] }),
    )
    await h.settle()
    const a = await ask('lab-w01', 'a')
    expect(a.session.state).toBe('STARTING')
    await ask('lab-w01', 'b')
    expect(await code(ask('lab-w01', 'c'))).toBe('unavailable: No session available')
    await h.settle()
    expect((await h.deps.store.getSession(a.session.name))!.state).toBe('RUNNING')
  })

  it("runs after-start hooks once a sandbox is up; drain waits for a hook's promise and logs its failure", async () => {
    h = await startBroker(
      buildPortal({ workshops: [buildPortalWorkshop({ name: 'w', capacity: 2, reserved: 0 })] }),
    )
    const started: string[] = []
    let release!: () => void
    const held = new Promise<void>((r) => (release = r))
    h.deps.runner.onStarted(async (s) => {
      started.push(`${s.name} ${s.state}`)
      await held
      throw new Error('hook gave up')
    })
    const a = await ask('lab-w01', 'a')
    await h.deps.runner.whenSettled(a.session.name)
    expect(started).toEqual([`${a.session.name} RUNNING`])
    let drained = false
    const draining = h.deps.runner.drain().then(() => (drained = true))
    await new Promise((r) => setTimeout(r, 20))
    expect(drained).toBe(false)
    release()
    await draining
    expect(h.logs).toContain(`session ${a.session.name}: after-start hook failed: hook gave up`)
  })

  it('is idempotent per user and environment, refreshing a pending window with the same token', async () => {
    h = await startBroker(
      buildPortal({ workshops: [buildPortalWorkshop({ name: 'w', capacity: 2, reserved: 0 })] }),
    )
    const first = await ask('lab-w01', 'u')
    h.clock.advance(30_000)
    const again = await ask('lab-w01', 'u', { timeout: 120 })
    expect(again.session.name).toBe(first.session.name)
    expect(again.token).toBe(first.token)
    expect(again.session.expiresAt).toBe(h.clock.now() + 120_000)
  })

  it('caps anonymous and registered users per portal, never staff', async () => {
    h = await startBroker(
      buildPortal({
        anonymous: 1,
        registered: 2,
        workshops: [
          buildPortalWorkshop({ name: 'a', reserved: 0 }),
          buildPortalWorkshop({ name: 'b', reserved: 0 }),
        ],
      }),
    )
    await ask('lab-w01', 'anon')
    expect(await code(ask('lab-w02', 'anon'))).toBe('unavailable: No session available')
    await h.deps.store.createUser({ id: 'reg', kind: 'registered', at: 0 })
    await ask('lab-w01', 'reg')
    expect(await code(ask('lab-w02', 'reg'))).toBe('ok')
    await h.deps.store.createUser({ id: 'boss', kind: 'staff', at: 0 })
    expect(await code(ask('lab-w01', 'boss'))).toMatch(/^bad_request/)
  })

  it('evicts the oldest unallocated reserve of another workshop when the portal is at its maximum', async () => {
    h = await startBroker(
      buildPortal({
        maximum: 2,
        workshops: [
          buildPortalWorkshop({ name: 'a', capacity: 2, reserved: 1 }),
          buildPortalWorkshop({ name: 'b', capacity: 2, reserved: 1 }),
        ],
      }),
    )
    await h.settle()
    const reserves = await h.deps.store.listSessions({ states: ['WAITING'] })
    expect(reserves.map((s) => s.environment).sort()).toEqual(['lab-w01', 'lab-w02'])
    // Take a's reserve; the portal is full (2 live), so a second a-user evicts b's reserve.
    await ask('lab-w01', 'x')
    const y = await ask('lab-w01', 'y')
    const b = reserves.find((s) => s.environment === 'lab-w02')!
    expect((await h.deps.store.getSession(b.name))!.stopReason).toBe('evicted')
    expect(y.session.environment).toBe('lab-w01')
    // Now both are allocated: nothing left to evict.
    expect(await code(ask('lab-w02', 'z'))).toBe('unavailable: No session available')
  })

  it('keeps no reserves before the first request when initial is 0', async () => {
    h = await startBroker(
      buildPortal({ workshops: [buildPortalWorkshop({ name: 'w', capacity: 5, reserved: 2, initial: 0 })] }),
    )
    await h.settle()
    expect(await h.deps.store.listSessions()).toHaveLength(0)
    await ask('lab-w01', 'first')
    await h.settle()
    expect(await h.deps.store.listSessions({ states: ['WAITING'] })).toHaveLength(2)
  })

  it('reacquires only API sessions, and only for their owner', async () => {
    h = await startBroker(
      buildPortal({ workshops: [buildPortalWorkshop({ name: 'w', capacity: 3, reserved: 0 })] }),
    )
    const r = await ask('lab-w01', 'owner')
    expect((await ask('lab-w01', undefined, { reacquire: r.session.name })).user.id).toBe('owner')
    expect(await code(ask('lab-w01', 'intruder', { reacquire: r.session.name }))).toBe(
      'unavailable: No session available',
    )
    await h.deps.store.updateSession(r.session.name, { viaApi: false })
    expect(await code(ask('lab-w01', 'owner', { reacquire: r.session.name }))).toBe(
      'unavailable: Cannot be reacquired',
    )
    expect(await h.deps.store.listSessions()).toHaveLength(1)
  })
})

describe('session timeouts and expiry', () => {
  it('stops a pending session after its activation window, and an activated one at expiry', async () => {
    h = await startBroker(
      buildPortal({
        workshops: [buildPortalWorkshop({ name: 'w', capacity: 3, reserved: 0, expires: 600 })],
      }),
    )
    const pending = await ask('lab-w01', 'p', { timeout: 60 })
    const active = await ask('lab-w01', 'q')
    await h.settle()
    await activateSession(h.deps, active.session.name, active.token, null)
    h.clock.advance(61_000)
    await h.settle()
    expect((await h.deps.store.getSession(pending.session.name))!.stopReason).toBe('activation-timeout')
    expect((await h.deps.store.getSession(active.session.name))!.state).toBe('RUNNING')
    h.clock.advance(600_000)
    await h.settle()
    expect((await h.deps.store.getSession(active.session.name))!).toMatchObject({
      state: 'STOPPED',
      stopReason: 'expired',
    })
  })

  it('timeout 0 keeps the pending window open for the workshop duration', async () => {
    h = await startBroker(
      buildPortal({ workshops: [buildPortalWorkshop({ name: 'w', reserved: 0, expires: 600 })] }),
    )
    const r = await ask('lab-w01', 'p', { timeout: 0 })
    expect(r.session.expiresAt).toBe(h.clock.now() + 600_000)
  })

  it('stops an orphaned session and purges stopped rows after the retention period', async () => {
    const pw = buildPortalWorkshop({ name: 'w', reserved: 0, expires: 3600, orphaned: 300 })
    h = await startBroker(buildPortal({ workshops: [pw] }))
    const r = await ask('lab-w01', 'idle')
    await h.settle()
    await activateSession(h.deps, r.session.name, r.token, null)
    h.clock.advance(300_000)
    await h.settle()
    expect((await h.deps.store.getSession(r.session.name))!.stopReason).toBe('orphaned')
    h.clock.advance(3_600_000 + 1)
    await h.settle()
    expect(await h.deps.store.getSession(r.session.name)).toBeNull()
  })

  it("runs a caller's work beside a new activation, undoing it when another activation won", async () => {
    h = await startBroker(buildPortal({ workshops: [buildPortalWorkshop({ name: 'w', reserved: 0 })] }))
    const seen: unknown[] = []
    const undone: unknown[] = []
    const work = {
      run: async (s: { activatedAt: number | null; expiresAt: number | null }) => {
        seen.push(s)
        return `made-${seen.length}`
      },
      undo: async (v: string) => void undone.push(v),
    }
    const r = await ask('lab-w01', 'beside')
    const result = await activateSession(h.deps, r.session.name, r.token, null, work)
    expect(result.alongside).toBe('made-1')
    // Given the session as activated: its expiry is the activated one, as stored.
    const stored = (await h.deps.store.getSession(r.session.name))!
    expect(seen[0]).toMatchObject({ activatedAt: h.clock.now(), expiresAt: stored.expiresAt })
    // The owner opening the link again: nothing new is made.
    const again = await activateSession(h.deps, r.session.name, r.token, stored.owner, work)
    expect(again.alongside).toBeUndefined()
    expect(seen).toHaveLength(1)

    // Another activation lands between this one's check and its write: this one's work is undone.
    const r2 = await ask('lab-w01', 'loser')
    const racing = racingStore(h.deps.store, () => activateSession(h.deps, r2.session.name, r2.token, null))
    expect(
      await code(activateSession({ ...h.deps, store: racing }, r2.session.name, r2.token, null, work)),
    ).toBe('bad_request: This activation link has already been used')
    expect(undone).toEqual(['made-2'])
  })

  it('activates a session whose row changed meanwhile (its sandbox came up); a second activation is refused', async () => {
    h = await startBroker(buildPortal({ workshops: [buildPortalWorkshop({ name: 'w', reserved: 0 })] }))
    const r = await ask('lab-w01', 'racer')
    const store = h.deps.store
    // Between activation's first read and its write, another write bumps the row's version.
    const racing = racingStore(store, () =>
      store.updateSession(r.session.name, { lastActivityAt: h.clock.now() }),
    )
    const result = await activateSession({ ...h.deps, store: racing }, r.session.name, r.token, null)
    expect(result.kind).toBe('activated')
    expect((await store.getSession(r.session.name))!.activatedAt).toBe(h.clock.now())
    expect(await code(activateSession(h.deps, r.session.name, r.token, null))).toBe(
      'bad_request: This activation link has already been used',
    )
  })

  it('never starts a reserve beyond capacity when allocations fill the environment during a pass', async () => {
    h = await startBroker(
      buildPortal({ workshops: [buildPortalWorkshop({ name: 'w', capacity: 2, reserved: 1 })] }),
    )
    await h.settle()
    await ask('lab-w01', 'first') // takes the reserve: the pass below wants to replace it
    const store = h.deps.store
    let raced = false
    // The pass counts (live: 1 of 2); before it creates the replacement, another user takes the last place.
    h.deps.store = overriding(store, {
      countSessions: async (portal: string) => {
        const counted = await store.countSessions(portal)
        if (!raced) {
          raced = true
          await ask('lab-w01', 'second')
        }
        return counted
      },
    })
    await h.reconciler.runPass()
    h.deps.store = store
    expect(raced).toBe(true)
    const live = await store.listSessions({
      environment: 'lab-w01',
      states: ['STARTING', 'WAITING', 'RUNNING'],
    })
    expect(live.map((s) => s.owner).sort()).toEqual(['first', 'second'])
  })

  it('marks a session whose sandbox fails to start as stopped (failed)', async () => {
    h = await startBroker(
      buildPortal({ workshops: [buildPortalWorkshop({ name: 'w', reserved: 0 })] }),
      new CrashingFakeBackend({ when: 'start' }),
    )
    const r = await ask('lab-w01', 'unlucky')
    await h.settle()
    expect((await h.deps.store.getSession(r.session.name))!).toMatchObject({
      state: 'STOPPED',
      stopReason: 'failed',
    })
  })

  it('reaps a sandbox that vanished', async () => {
    const backend = new FakeBackend()
    h = await startBroker(
      buildPortal({ workshops: [buildPortalWorkshop({ name: 'w', reserved: 0 })] }),
      backend,
    )
    const r = await ask('lab-w01', 'v')
    await h.settle()
    const s = (await h.deps.store.getSession(r.session.name))!
    backend.kill(s.handle as never)
    for (let i = 0; i < 6; i++) await h.reconciler.runPass()
    await h.settle()
    expect((await h.deps.store.getSession(r.session.name))!.stopReason).toBe('vanished')
  })
})

describe('extension', () => {
  it('extends once even when another write lands between read and update', async () => {
    h = await startBroker(
      buildPortal({
        workshops: [
          buildPortalWorkshop({ name: 'w', reserved: 0, expires: 600, overtime: 300, deadline: 1800 }),
        ],
      }),
    )
    const r = await ask('lab-w01', 'x')
    await h.settle()
    await activateSession(h.deps, r.session.name, r.token, null)
    h.clock.advance(590_000)
    const stale = (await h.deps.store.getSession(r.session.name))!
    await h.deps.store.updateSession(stale.name, { lastActivityAt: h.clock.now() }) // e.g. an activity flush
    const result = await extendSession(h.deps, stale)
    expect(result.extended).toBe(true)
    expect((await h.deps.store.getSession(stale.name))!.expiresAt).toBe(stale.expiresAt! + 300_000)
    expect((await extendSession(h.deps, stale)).extended).toBe(false) // no longer near expiry
  })
})
