/**
 * The `ReplicaStore` conformance suite: every implementation (SQLite always, PostgreSQL when a URL is
 * given) runs it through `runReplicaStoreSuite({ name, make })`. It checks heartbeats and clean stops in
 * the registry, and that a lease has one holder: renewed by it, refused to others until it expires or is
 * released, and won by exactly one of many concurrent takers.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ReplicaStore } from '../../src/store/replica-store.js'

export interface ReplicaStoreFactory {
  name: string
  make: () => Promise<{ replicas: ReplicaStore; close: () => Promise<void> }>
}

const T0 = 1_760_000_000_000
const TTL = 6_000

export function runReplicaStoreSuite(f: ReplicaStoreFactory): void {
  describe(`ReplicaStore conformance: ${f.name}`, () => {
    let replicas: ReplicaStore
    let close: () => Promise<void>
    beforeEach(async () => {
      ;({ replicas, close } = await f.make())
    })
    afterEach(() => close())

    it('registers replicas by heartbeat, keeps the latest, and records a clean stop until the next beat', async () => {
      expect(await replicas.list()).toEqual([])
      const a = { id: 'a', address: 'http://10.0.0.1:8080', version: '1.0.0', startedAt: T0 }
      await replicas.beat(a, T0)
      await replicas.beat(
        { id: 'b', address: 'http://10.0.0.2:8080', version: '1.0.0', startedAt: T0 + 5 },
        T0 + 5,
      )
      await replicas.beat({ ...a, address: 'http://10.0.0.9:8080' }, T0 + 2_000)
      await replicas.markStopped('b', T0 + 3_000)
      await replicas.markStopped('nobody', T0 + 3_000)
      expect(await replicas.list()).toEqual([
        { ...a, address: 'http://10.0.0.9:8080', heartbeatAt: T0 + 2_000, stoppedAt: null },
        {
          id: 'b',
          address: 'http://10.0.0.2:8080',
          version: '1.0.0',
          startedAt: T0 + 5,
          heartbeatAt: T0 + 5,
          stoppedAt: T0 + 3_000,
        },
      ])
      // a replica that starts again under its id is running again
      await replicas.beat(
        { id: 'b', address: 'http://10.0.0.2:8080', version: '1.1.0', startedAt: T0 + 9_000 },
        T0 + 9_000,
      )
      const b = (await replicas.list()).find((r) => r.id === 'b')
      expect(b).toMatchObject({
        version: '1.1.0',
        startedAt: T0 + 9_000,
        heartbeatAt: T0 + 9_000,
        stoppedAt: null,
      })
    })

    it('gives a lease to one holder, renews it for that holder only, and frees it on expiry or release', async () => {
      expect(await replicas.leaseHolder('reconciler', T0)).toBeNull()
      expect(await replicas.takeLease('reconciler', 'a', T0, TTL)).toBe(true)
      expect(await replicas.takeLease('reconciler', 'b', T0 + 1_000, TTL)).toBe(false)
      expect(await replicas.leaseHolder('reconciler', T0 + 1_000)).toBe('a')
      // renewed by its holder: still a's after the first term would have run out
      expect(await replicas.takeLease('reconciler', 'a', T0 + 5_000, TTL)).toBe(true)
      expect(await replicas.takeLease('reconciler', 'b', T0 + 7_000, TTL)).toBe(false)
      // not renewed: expired, and another takes it
      expect(await replicas.leaseHolder('reconciler', T0 + 11_000)).toBeNull()
      expect(await replicas.takeLease('reconciler', 'b', T0 + 11_000, TTL)).toBe(true)
      expect(await replicas.takeLease('reconciler', 'a', T0 + 11_001, TTL)).toBe(false)
      // another name is another lease
      expect(await replicas.takeLease('other', 'a', T0 + 11_001, TTL)).toBe(true)
      // released by someone else: nothing changes; by its holder: free at once
      await replicas.releaseLease('reconciler', 'a')
      expect(await replicas.leaseHolder('reconciler', T0 + 11_002)).toBe('b')
      await replicas.releaseLease('reconciler', 'b')
      expect(await replicas.leaseHolder('reconciler', T0 + 11_002)).toBeNull()
      expect(await replicas.takeLease('reconciler', 'a', T0 + 11_003, TTL)).toBe(true)
    })

    it('lets exactly one of many concurrent takers win a free lease', async () => {
      const takers = Array.from({ length: 12 }, (_, i) => `r${i}`)
      const won = await Promise.all(takers.map((t) => replicas.takeLease('reconciler', t, T0, TTL)))
      expect(won.filter(Boolean)).toHaveLength(1)
      expect(await replicas.leaseHolder('reconciler', T0)).toBe(takers[won.indexOf(true)])
    })
  })
}
