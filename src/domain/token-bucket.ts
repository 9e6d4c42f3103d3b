/** The size and refill of a {@link TokenBucket}. */
export interface RateLimit {
  /** Most tokens it holds (the burst); it starts full. */
  burst: number
  /** Tokens added per second. */
  perSecond: number
}

/**
 * A token bucket: {@link take} succeeds while tokens remain and they refill at a steady rate, so a client
 * may burst up to `burst` and sustain `perSecond`. Time comes from `clock` (milliseconds).
 */
export class TokenBucket {
  readonly #limit: RateLimit
  readonly #clock: () => number
  #tokens: number
  #at: number

  constructor(limit: RateLimit, clock: () => number = Date.now) {
    this.#limit = limit
    this.#clock = clock
    this.#tokens = limit.burst
    this.#at = clock()
  }

  /** Takes `n` tokens and returns true, or takes none and returns false when fewer than `n` remain. */
  take(n = 1): boolean {
    const now = this.#clock()
    const refill = ((now - this.#at) / 1000) * this.#limit.perSecond
    this.#tokens = Math.min(this.#limit.burst, this.#tokens + refill)
    this.#at = now
    if (this.#tokens < n) return false
    this.#tokens -= n
    return true
  }
}
