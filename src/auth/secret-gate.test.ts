import { describe, expect, it } from 'vitest'
import { ManualClock } from '../domain/clock.js'
import { SecretGate, TooManyHashes } from './secret-gate.js'
import { TokenBuckets } from './token-bucket.js'

const limits = {
  perAddress: { burst: 3, perSecond: 1 },
  clients: { burst: 5, perSecond: 1 },
  passwords: { burst: 5, perSecond: 1 },
  cacheMs: 60_000,
  concurrent: { clients: 1, passwords: 1 },
}

function gate() {
  const clock = new ManualClock()
  const runs: string[] = []
  const g = new SecretGate({
    clock,
    limits,
    verify: async (secret, stored) => {
      runs.push(secret)
      return stored === `hash(${secret})`
    },
  })
  return { clock, runs, g }
}

describe('TokenBuckets', () => {
  it('spends a burst, then refills at the rate', () => {
    const clock = new ManualClock()
    const b = new TokenBuckets(clock, { burst: 2, perSecond: 0.5 })
    expect([b.take('k'), b.take('k'), b.take('k')]).toEqual([0, 0, 2])
    expect(b.take('other')).toBe(0)
    clock.advance(2000)
    expect(b.take('k')).toBe(0)
  })
})

describe('SecretGate', () => {
  it('hashes within the per-address budget and answers 429 beyond it', async () => {
    const { g, runs, clock } = gate()
    const c = g.for('10.0.0.1')
    for (let i = 0; i < 3; i++) expect(await c.clientSecret('app', `bad-${i}`, 'hash(good)')).toBe(false)
    const over = await c.clientSecret('app', 'bad-3', 'hash(good)').catch((e: unknown) => e)
    expect(over).toBeInstanceOf(TooManyHashes)
    expect((over as TooManyHashes).retryAfter).toBe(1)
    expect((over as TooManyHashes).status).toBe(429)
    expect(runs).toHaveLength(3)
    expect(g.hashRuns).toBe(3)
    clock.advance(1000)
    expect(await c.clientSecret('app', 'good', 'hash(good)')).toBe(true)
  })

  it('bounds everyone together, with passwords kept apart from client secrets', async () => {
    const { g } = gate()
    let refused = 0
    for (let i = 0; i < 20; i++)
      await g
        .for(`10.0.1.${i}`)
        .clientSecret('app', `bad-${i}`, 'hash(good)')
        .catch(() => refused++)
    expect(refused).toBe(15)
    expect(g.hashRuns).toBe(5)
    expect(await g.for('10.0.2.1').password('pw', 'hash(pw)')).toBe(true)
  })

  it('reuses a recent result for the same secret and stored hash, without hashing', async () => {
    const { g, runs, clock } = gate()
    const c = g.for('10.0.0.1')
    for (let i = 0; i < 10; i++) expect(await c.clientSecret('app', 'good', 'hash(good)')).toBe(true)
    for (let i = 0; i < 10; i++) expect(await c.clientSecret('app', 'bad', 'hash(good)')).toBe(false)
    expect(runs).toEqual(['good', 'bad'])
    // a rotated secret: the old result no longer applies
    expect(await c.clientSecret('app', 'bad', 'hash(bad)')).toBe(true)
    clock.advance(60_001)
    expect(await c.clientSecret('app', 'good', 'hash(good)')).toBe(true)
    expect(runs).toEqual(['good', 'bad', 'bad', 'good'])
  })

  it('never hashes for an unknown client, yet spends budget and waits like a real check', async () => {
    const { g, runs } = gate()
    const c = g.for('10.0.0.1')
    const started = performance.now()
    expect(await c.clientSecret('nobody', 'x', null)).toBe(false)
    expect(performance.now() - started).toBeGreaterThanOrEqual(20)
    expect(await c.clientSecret('nobody', 'y', null)).toBe(false)
    expect(await c.clientSecret('nobody', 'z', null)).toBe(false)
    await expect(c.clientSecret('nobody', 'w', null)).rejects.toBeInstanceOf(TooManyHashes)
    expect(runs).toEqual([])
  })
})
