import { afterEach, expect, it } from 'vitest'
import { ManualClock } from '../domain/clock.js'
import { openStore, type OpenStore } from '../store/open-store.js'
import { startNoncePurge } from './nonce-purge.js'

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
