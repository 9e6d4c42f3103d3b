import { describe, expect, it } from 'vitest'
import { ClientEventLimiter } from './client-event-limit.js'

describe('ClientEventLimiter', () => {
  it('allows each session its burst, then its steady rate, independently of the others', () => {
    let now = 0
    const limiter = new ClientEventLimiter(() => now, { burst: 2, perSecond: 1 })
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([true, true, false])
    expect(limiter.take('b')).toBe(true)
    now += 1000
    expect([limiter.take('a'), limiter.take('a')]).toEqual([true, false])
  })
})
