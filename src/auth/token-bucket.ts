import type { Clock } from '../domain/clock.js'

/** A token bucket's shape: it holds at most `burst` tokens and gains `perSecond` tokens a second. */
export interface BucketRule {
  burst: number
  perSecond: number
}

/**
 * Token buckets by key, in memory. `take` spends one token of `key`'s bucket when it has one; memory is
 * bounded by `maxKeys` (the least recently used buckets go first; a forgotten bucket comes back full).
 */
export class TokenBuckets {
  readonly #clock: Clock
  readonly #rule: BucketRule
  readonly #maxKeys: number
  readonly #buckets = new Map<string, { tokens: number; at: number }>()

  constructor(clock: Clock, rule: BucketRule, maxKeys = 100_000) {
    this.#clock = clock
    this.#rule = rule
    this.#maxKeys = maxKeys
  }

  /**
   * Spends one token of `key` and returns 0, or spends nothing and returns the seconds (at least 1) until
   * a token is there.
   */
  take(key: string): number {
    const now = this.#clock.now()
    const b = this.#buckets.get(key)
    const elapsed = b ? Math.max(0, now - b.at) / 1000 : 0
    const tokens = b
      ? Math.min(this.#rule.burst, b.tokens + elapsed * this.#rule.perSecond)
      : this.#rule.burst
    this.#buckets.delete(key) // re-inserted last: the map stays ordered by latest use
    if (tokens >= 1) {
      this.#buckets.set(key, { tokens: tokens - 1, at: now })
      if (this.#buckets.size > this.#maxKeys) this.#buckets.delete(this.#buckets.keys().next().value!)
      return 0
    }
    this.#buckets.set(key, { tokens, at: now })
    return Math.max(1, Math.ceil((1 - tokens) / this.#rule.perSecond))
  }

  /** Gives back one token of `key` (a `take` whose work did not happen). */
  refund(key: string): void {
    const b = this.#buckets.get(key)
    if (b) b.tokens = Math.min(this.#rule.burst, b.tokens + 1)
  }
}
