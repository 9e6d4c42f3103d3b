import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGatewayApp, requestSession, type GatewayApp } from '../../test/gateway-app.js'
import { startHarness, type Harness } from '../../test/harness.js'
import { ManualClock } from '../domain/clock.js'
import type { Session } from '../store/rows.js'
import type { Store } from '../store/store.js'
import { activityRoutes } from './activity-routes.js'
import { ActivityTracker, activityView } from './activity.js'

const T = Date.UTC(2026, 0, 1)

/** A store that only records `updateSession` calls (failing the first `failures` of them). */
function recordingStore(failures = 0) {
  const writes: { name: string; patch: Partial<Session>; states?: string[] }[] = []
  const store = {
    async updateSession(name: string, patch: Partial<Session>, states?: string[]) {
      if (failures-- > 0) throw new Error('database is locked')
      writes.push({ name, patch, states })
      return null
    },
  } as unknown as Store
  return { store, writes }
}

describe('ActivityTracker', () => {
  it('coalesces many touches into one write per session, with the latest times', async () => {
    const clock = new ManualClock(T)
    const { store, writes } = recordingStore()
    const tracker = new ActivityTracker({ store, clock, flushIntervalMs: 60_000 })
    for (let i = 0; i < 1000; i++) {
      tracker.touch('a', 'keystroke')
      clock.advance(10)
    }
    tracker.touch('a', 'view')
    tracker.touch('b', 'keystroke')
    expect(writes).toEqual([]) // nothing written on the hot path
    expect(tracker.pending('a')).toEqual({ activityAt: T + 10_000, viewAt: T + 10_000 })
    await tracker.flush()
    expect(writes).toEqual([
      {
        name: 'a',
        patch: { lastActivityAt: T + 10_000, lastViewAt: T + 10_000 },
        states: ['STARTING', 'RUNNING'],
      },
      { name: 'b', patch: { lastActivityAt: T + 10_000 }, states: ['STARTING', 'RUNNING'] },
    ])
    expect(tracker.pending('a')).toBeUndefined()
    await tracker.flush()
    expect(writes).toHaveLength(2) // nothing new, nothing written
    await tracker.close()
  })

  it('flushes by itself after the interval, at most once per interval', async () => {
    const { store, writes } = recordingStore()
    const tracker = new ActivityTracker({ store, clock: new ManualClock(T), flushIntervalMs: 30 })
    for (let i = 0; i < 50; i++) tracker.touch('a', 'keystroke')
    await new Promise((r) => setTimeout(r, 80))
    expect(writes).toHaveLength(1)
    await tracker.close()
  })

  it('keeps activity whose write failed for the next flush, and takes none after close', async () => {
    const clock = new ManualClock(T)
    const { store, writes } = recordingStore(1)
    const logged: string[] = []
    const tracker = new ActivityTracker({ store, clock, flushIntervalMs: 60_000, log: (m) => logged.push(m) })
    tracker.touch('a', 'view')
    await tracker.flush()
    expect(writes).toEqual([])
    expect(logged).toEqual(['activity of a not recorded: database is locked'])
    clock.advance(1000)
    tracker.touch('a', 'keystroke')
    await tracker.close()
    expect(writes).toEqual([
      { name: 'a', patch: { lastActivityAt: T + 1000, lastViewAt: T }, states: ['STARTING', 'RUNNING'] },
    ])
    tracker.touch('a', 'keystroke')
    expect(tracker.pending('a')).toBeUndefined()
  })
})

describe('activityView', () => {
  const s = { allocatedAt: T, createdAt: T - 60_000, lastActivityAt: null, lastViewAt: null }
  it('counts from allocation when nothing happened, from creation for a reserve', () => {
    expect(activityView(s, undefined, T + 90_500)).toEqual({ 'idle-time': 90, 'last-view': 90 })
    expect(activityView({ ...s, allocatedAt: null }, undefined, T)).toEqual({
      'idle-time': 60,
      'last-view': 60,
    })
  })
  it('takes the later of the stored and the pending times', () => {
    const stored = { ...s, lastActivityAt: T + 10_000, lastViewAt: T + 5_000 }
    expect(activityView(stored, undefined, T + 20_000)).toEqual({ 'idle-time': 10, 'last-view': 15 })
    expect(activityView(stored, { activityAt: T + 19_000, viewAt: null }, T + 20_000)).toEqual({
      'idle-time': 1,
      'last-view': 15,
    })
  })
})

describe('activity routes', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1))
  let h: Harness
  let g: GatewayApp
  let tracker: ActivityTracker
  let name: string
  let owner: string
  let staff: string

  beforeAll(async () => {
    h = await startHarness(
      {
        backend: 'fake',
        admin: { username: 'admin@lab', password: 'admin-password-123456' },
        workshops: [{ name: 'w', reserved: 0 }],
      },
      { clock },
    )
    tracker = new ActivityTracker({ store: h.lg.deps.store, clock, flushIntervalMs: 60_000 })
    g = await startGatewayApp(h, (app, ctx) => activityRoutes(app, ctx, tracker))
    // Never activated, and the tests move the clock by more than the default 60 s activation window:
    // without timeout=0 the reconciler may expire the session between two tests.
    name = await requestSession(h, 'lab-w01', 'learner', '&timeout=0')
    owner = await g.cookieFor('learner', name)
    staff = `Bearer ${await h.passwordToken('admin@lab', 'admin-password-123456')}`
  })
  afterAll(async () => {
    await tracker?.close()
    await g?.close()
    await h?.close()
  })

  const url = () => `${g.url}/sessions/${name}/session/activity`
  const read = async (headers: Record<string, string>) => {
    const res = await fetch(url(), { headers })
    expect(res.status).toBe(200)
    return (await res.json()) as { 'idle-time': number; 'last-view': number }
  }
  const post = (headers: Record<string, string>, body: unknown) =>
    fetch(url(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })

  it("reports whole seconds of idleness in Educates' names; idle time grows with the clock", async () => {
    expect(await read({ cookie: owner })).toEqual({ 'idle-time': 0, 'last-view': 0 })
    clock.advance(42_700)
    expect(await read({ cookie: owner })).toEqual({ 'idle-time': 42, 'last-view': 42 })
    expect(await read({ authorization: staff })).toEqual({ 'idle-time': 42, 'last-view': 42 })
    expect((await fetch(`${url()}/`, { headers: { cookie: owner } })).status).toBe(200)
  })

  it("records the owner's keystrokes and views, shown at once and written on flush", async () => {
    const xrw = { cookie: owner, 'x-requested-with': 'labgate' }
    expect((await post(xrw, { kind: 'keystroke' })).status).toBe(204)
    clock.advance(5_000)
    expect(await read({ cookie: owner })).toEqual({ 'idle-time': 5, 'last-view': 47 })
    expect((await post(xrw, { kind: 'view' })).status).toBe(204)
    clock.advance(3_000)
    expect(await read({ cookie: owner })).toEqual({ 'idle-time': 3, 'last-view': 3 })
    const before = (await h.lg.deps.store.getSession(name))!
    await tracker.flush()
    const after = (await h.lg.deps.store.getSession(name))!
    expect(after.lastActivityAt).toBe(clock.now() - 3_000)
    expect(after.lastViewAt).toBe(clock.now() - 3_000)
    expect(after.version).toBe(before.version + 1) // one write for both touches
  })

  it('needs X-Requested-With and a known kind; staff looking do not count', async () => {
    const noHeader = await post({ cookie: owner }, { kind: 'keystroke' })
    expect(noHeader.status).toBe(403)
    expect(await noHeader.text()).toMatch(/X-Requested-With/)
    const xrw = { cookie: owner, 'x-requested-with': 'labgate' }
    expect((await post(xrw, { kind: 'scroll' })).status).toBe(400)
    expect((await post(xrw, 'not json')).status).toBe(400)
    expect((await post(xrw, '')).status).toBe(400)
    clock.advance(10_000)
    expect(
      (await post({ authorization: staff, 'x-requested-with': 'x' }, { kind: 'keystroke' })).status,
    ).toBe(204)
    expect(tracker.pending(name)).toBeUndefined()
    expect((await read({ cookie: owner }))['idle-time']).toBe(13)
  })

  it('refuses other credentials and unknown sessions', async () => {
    const other = await requestSession(h, 'lab-w01', 'someone-else')
    const foreign = await g.cookieFor('someone-else', other)
    expect((await fetch(url(), { headers: { cookie: foreign } })).status).toBe(403)
    expect((await fetch(url())).status).toBe(403)
    expect((await post({ cookie: foreign, 'x-requested-with': 'x' }, { kind: 'view' })).status).toBe(403)
    expect(
      (await fetch(`${g.url}/sessions/lab-w01-s999/session/activity`, { headers: { authorization: staff } }))
        .status,
    ).toBe(404)
  })
})
