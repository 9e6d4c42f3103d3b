import { describe, expect, it } from 'vitest'
import { TokenBucket } from '../domain/token-bucket.js'
import { InputMeter } from './rate-limit.js'

describe('TokenBucket', () => {
  it('allows a burst, then the steady rate', () => {
    let now = 0
    const bucket = new TokenBucket({ burst: 3, perSecond: 2 }, () => now)
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false])
    now += 500
    expect(bucket.take()).toBe(true)
    expect(bucket.take()).toBe(false)
    now += 60_000
    // Refills up to the burst, no further.
    expect(bucket.take(3)).toBe(true)
    expect(bucket.take(1)).toBe(false)
  })
})

describe('InputMeter', () => {
  it('refuses a frame over either the frame or the byte limit', () => {
    const now = 0
    const meter = new InputMeter(
      { frames: { burst: 2, perSecond: 1 }, bytes: { burst: 100, perSecond: 10 } },
      () => now,
    )
    expect(meter.take(150)).toBe(false)
    expect(meter.take(50)).toBe(true)
    expect(meter.take(10)).toBe(false)
  })
})
