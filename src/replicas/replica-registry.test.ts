import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../domain/clock.js'
import { openStore, type OpenStore } from '../store/open-store.js'
import { RECONCILER_LEASE, ReplicaRegistry } from './replica-registry.js'

const T0 = 1_760_000_000_000

describe('the replica registry', () => {
  let db: OpenStore
  let clock: ManualClock
  const made: ReplicaRegistry[] = []
  const registry = (id: string, o: { lostAfterMs?: number } = {}) => {
    const r = new ReplicaRegistry({
      store: db.replicas,
      clock,
      self: { id, address: `http://${id}:8080`, version: '1.0.0' },
      intervalMs: 60_000, // beats only when a test asks
      lostAfterMs: o.lostAfterMs ?? 10_000,
      log: () => {},
    })
    made.push(r)
    return r
  }
  beforeEach(async () => {
    db = await openStore({ sqlite: ':memory:' })
    clock = new ManualClock(T0)
  })
  afterEach(async () => {
    for (const r of made.splice(0)) await r.stop()
    await db.close()
  })

  it('lets one replica lead, knows its peers by their heartbeats, and hands the lease over on stop', async () => {
    const a = registry('a')
    const b = registry('b')
    await a.start()
    await b.start()
    expect(a.leads()).toBe(true)
    expect(b.leads()).toBe(false)
    await a.beat()
    expect(a.addressOf('b')).toBe('http://b:8080')
    expect(a.isAlive('b')).toBe(true)
    expect(a.isAlive('nobody')).toBe(false)
    // b beat 3 intervals ago and not since: no longer alive, not yet lost
    clock.advance(3 * 60_000 + 1)
    await a.beat()
    expect(a.isAlive('b')).toBe(false)
    expect(a.isLost('b')).toBe(true) // past lostAfterMs (10 s) too
    expect(a.isLost('a')).toBe(false)
    // a replica not read yet is not lost: it may have registered since the last read
    expect(a.isLost('new')).toBe(false)

    await a.stop()
    expect(a.leads()).toBe(false)
    expect(await db.replicas.leaseHolder(RECONCILER_LEASE, clock.now())).toBeNull()
    await b.beat()
    expect(b.leads()).toBe(true)
    const stopped = (await db.replicas.list()).find((r) => r.id === 'a')
    expect(stopped?.stoppedAt).toBe(clock.now())
    expect(b.isAlive('a')).toBe(false)
  })
})
