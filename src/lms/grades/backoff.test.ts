import { describe, expect, it } from 'vitest'
import { afterFailure, PASSBACK_BACKOFF, retryDelayMs } from './backoff.js'

describe('passback backoff', () => {
  it('doubles from one second, capped', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => retryDelayMs(n))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 32_000, 64_000,
    ])
    const p = { baseMs: 1000, capMs: 10_000, maxAttempts: 100 }
    expect(retryDelayMs(4, p)).toBe(8000)
    expect(retryDelayMs(5, p)).toBe(10_000)
    expect(retryDelayMs(1000, p)).toBe(10_000)
    expect(retryDelayMs(0, p)).toBe(1000)
  })

  it('retries a retryable failure until the attempts are used up', () => {
    expect(afterFailure(1, 5000, true)).toEqual({ next: 'retry', retryAt: 6000 })
    expect(afterFailure(7, 0, true)).toEqual({ next: 'retry', retryAt: 64_000 })
    expect(afterFailure(PASSBACK_BACKOFF.maxAttempts, 0, true)).toEqual({ next: 'give_up' })
    expect(afterFailure(1, 0, false)).toEqual({ next: 'give_up' })
  })
})
