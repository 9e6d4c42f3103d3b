import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../../domain/clock.js'
import { openStore, type OpenStore } from '../../store/open-store.js'
import { LEFT_AFTER_MS, liveQueue, mayTry, positionOf } from './launch-queue.js'

let db: OpenStore
let clock: ManualClock
const d = () => ({ gateway: db.lmsGateway, clock })

const wait = (id: string, priority: number, environment = 'env-a') =>
  db.lmsGateway.enqueueWaiter({
    id,
    lms: 'moodle',
    lab: 'intro',
    environment,
    userId: `moodle:${id}`,
    priority,
    launch: {},
    at: clock.now(),
  })

beforeEach(async () => {
  db = await openStore({ sqlite: ':memory:' })
  clock = new ManualClock(1_760_000_000_000)
})
afterEach(() => db.close())

describe('the queue of launches waiting for a full lab', () => {
  it('lets a new launch try only when no live waiter has its priority or more', async () => {
    expect(await mayTry(d(), { environment: 'env-a', priority: 0 })).toBe(true)
    await wait('low-waiter-000001', 1)
    clock.advance(10)
    expect(await mayTry(d(), { environment: 'env-a', priority: 0 })).toBe(false)
    expect(await mayTry(d(), { environment: 'env-a', priority: 1 })).toBe(false)
    expect(await mayTry(d(), { environment: 'env-a', priority: 2 })).toBe(true)
    expect(await mayTry(d(), { environment: 'env-b', priority: 0 })).toBe(true)
  })

  it('serves the higher priority first, then the earlier, and only the first may try', async () => {
    const a = await wait('a-waiter-00000001', 1)
    clock.advance(10)
    const b = await wait('b-waiter-00000001', 5)
    clock.advance(10)
    const c = await wait('c-waiter-00000001', 1)
    expect((await liveQueue(d(), 'env-a')).map((w) => w.id)).toEqual([b.id, a.id, c.id])
    expect([await positionOf(d(), a), await positionOf(d(), b), await positionOf(d(), c)]).toEqual([2, 1, 3])
    expect(await mayTry(d(), { environment: 'env-a', priority: 1, waiter: a.id })).toBe(false)
    expect(await mayTry(d(), { environment: 'env-a', priority: 5, waiter: b.id })).toBe(true)
  })

  it('stops counting a waiter whose page stopped asking', async () => {
    const a = await wait('a-waiter-00000001', 5)
    clock.advance(1)
    const b = await wait('b-waiter-00000001', 1)
    clock.advance(LEFT_AFTER_MS)
    await db.lmsGateway.touchWaiter(b.id, clock.now())
    expect(await positionOf(d(), a)).toBeNull()
    expect(await positionOf(d(), b)).toBe(1)
    expect(await mayTry(d(), { environment: 'env-a', priority: 1, waiter: b.id })).toBe(true)
  })
})
