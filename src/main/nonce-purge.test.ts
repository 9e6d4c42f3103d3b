import { afterEach, expect, it } from 'vitest'
import { ManualClock } from '../domain/clock.js'
import { openStore, type OpenStore } from '../store/open-store.js'
import { startNoncePurge, WAITERS_KEPT_MS } from './nonce-purge.js'

let db: OpenStore | undefined
afterEach(async () => db?.close())

it('purges expired single-use values on its timer, and stops', async () => {
  db = await openStore({ sqlite: ':memory:' })
  const clock = new ManualClock(1_000_000)
  expect(await db.nonces.useOnce('s', 'old', 1_000_500)).toBe(true)
  expect(await db.nonces.useOnce('s', 'live', 9_000_000)).toBe(true)
  clock.advance(1000)
  const stop = startNoncePurge(db.nonces, clock, () => {}, 20)
  await new Promise((r) => setTimeout(r, 80))
  stop()
  // the expired value is gone (so it could be used again), the live one is still refused
  expect(await db.nonces.useOnce('s', 'old', 9_000_000)).toBe(true)
  expect(await db.nonces.useOnce('s', 'live', 9_000_000)).toBe(false)
})

it('purges waits for a full lab that ended or were left a day ago, on the same timer', async () => {
  db = await openStore({ sqlite: ':memory:' })
  const clock = new ManualClock(10 * WAITERS_KEPT_MS)
  const waiter = (id: string, at: number) =>
    db!.lmsGateway.enqueueWaiter({
      id,
      lms: 'moodle',
      lab: 'intro',
      environment: 'env',
      userId: `moodle:${id}`,
      priority: 0,
      launch: {},
      at,
    })
  await waiter('left-long-ago', clock.now() - WAITERS_KEPT_MS - 1)
  await waiter('waiting-now', clock.now() - 1000)
  const stop = startNoncePurge(db.nonces, clock, () => {}, 20, db.lmsGateway)
  await new Promise((r) => setTimeout(r, 80))
  stop()
  expect(await db.lmsGateway.getWaiter('left-long-ago')).toBeNull()
  expect(await db.lmsGateway.getWaiter('waiting-now')).toMatchObject({ state: 'waiting' })
})
