import type { Clock } from '../domain/clock.js'

/** How many events a key may have within a window. */
export interface LimitRule {
  max: number
  windowMs: number
}

/**
 * Counts events (failures, sign-ups) per key in a sliding window, in memory (one process; a restart forgets them).
 * Memory is bounded: at most `max` timestamps per key, and at most `maxKeys` keys (the oldest go first).
 */
export class WindowCounter {
  readonly #clock: Clock
  readonly #rule: LimitRule
  readonly #maxKeys: number
  readonly #events = new Map<string, number[]>()

  constructor(clock: Clock, rule: LimitRule, maxKeys = 100_000) {
    this.#clock = clock
    this.#rule = rule
    this.#maxKeys = maxKeys
  }

  /** Seconds until `key` may try again (at least 1), or 0 when it is not blocked. */
  retryAfter(key: string): number {
    const recent = this.#recent(key)
    if (recent.length < this.#rule.max) return 0
    const freeAt = recent[recent.length - this.#rule.max]! + this.#rule.windowMs
    return Math.max(1, Math.ceil((freeAt - this.#clock.now()) / 1000))
  }

  /** Records one event of `key`. */
  add(key: string): void {
    const recent = [...this.#recent(key), this.#clock.now()].slice(-this.#rule.max)
    this.#events.delete(key) // re-inserted last: the map stays ordered by latest event
    this.#events.set(key, recent)
    if (this.#events.size > this.#maxKeys) this.#events.delete(this.#events.keys().next().value!)
  }

  /** Forgets `key`'s events. */
  reset(key: string): void {
    this.#events.delete(key)
  }

  #recent(key: string): number[] {
    const since = this.#clock.now() - this.#rule.windowMs
    return (this.#events.get(key) ?? []).filter((t) => t > since)
  }
}

/** Limits of failed sign-ins: a backoff per (account, client address), and a window per address. */
export interface SignInLimits {
  /** Failures of one account from one address that cost nothing. */
  freeFailures: number
  /** The wait after the first failure beyond the free ones; it doubles with each further failure. */
  baseDelayMs: number
  /** The longest wait. */
  maxDelayMs: number
  /** A pair's failures are forgotten this long after its last one. */
  forgetAfterMs: number
  /** Failures from one address across every account. Higher than the backoff: a classroom often shares one address. */
  perAddress: LimitRule
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = {
  freeFailures: 4,
  baseDelayMs: 5_000,
  maxDelayMs: 15 * 60_000,
  forgetAfterMs: 60 * 60_000,
  perAddress: { max: 20, windowMs: 15 * 60_000 },
}

interface PairFailures {
  count: number
  last: number
}

/**
 * Rate limiting of failed sign-ins that slows the guesser, never the account: failures are counted per
 * (account, client address) with an exponential backoff, so the right password from another address is
 * never refused because of someone else's failures; and per address, across accounts, in a window.
 * `retryAfter` before checking a password; `failed` after a wrong one; `succeeded` forgets the pair's
 * failures (not the address's). In memory (one process), at most `maxKeys` pairs (the least recent go).
 */
export class SignInLimiter {
  readonly #clock: Clock
  readonly #limits: SignInLimits
  readonly #maxKeys: number
  readonly #pairs = new Map<string, PairFailures>()
  readonly #addresses: WindowCounter

  constructor(clock: Clock, limits: SignInLimits = DEFAULT_SIGN_IN_LIMITS, maxKeys = 100_000) {
    this.#clock = clock
    this.#limits = limits
    this.#maxKeys = maxKeys
    this.#addresses = new WindowCounter(clock, limits.perAddress, maxKeys)
  }

  /** Seconds to wait before `user` may try again from `address`; 0 when allowed now. */
  retryAfter(user: string, address: string): number {
    return Math.max(this.#pairWait(pairKey(user, address)), this.#addresses.retryAfter(address))
  }

  /** Records a wrong password for `user` from `address`. */
  failed(user: string, address: string): void {
    const key = pairKey(user, address)
    const count = (this.#current(key)?.count ?? 0) + 1
    this.#pairs.delete(key) // re-inserted last: the map stays ordered by latest failure
    this.#pairs.set(key, { count, last: this.#clock.now() })
    if (this.#pairs.size > this.#maxKeys) this.#pairs.delete(this.#pairs.keys().next().value!)
    this.#addresses.add(address)
  }

  /** Forgets the failures of `user` from `address`. */
  succeeded(user: string, address: string): void {
    this.#pairs.delete(pairKey(user, address))
  }

  #current(key: string): PairFailures | undefined {
    const f = this.#pairs.get(key)
    if (f && this.#clock.now() - f.last > this.#limits.forgetAfterMs) {
      this.#pairs.delete(key)
      return undefined
    }
    return f
  }

  #pairWait(key: string): number {
    const f = this.#current(key)
    const { freeFailures, baseDelayMs, maxDelayMs } = this.#limits
    if (!f || f.count <= freeFailures) return 0
    const delay = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(f.count - freeFailures - 1, 30))
    const left = f.last + delay - this.#clock.now()
    return left > 0 ? Math.max(1, Math.ceil(left / 1000)) : 0
  }
}

const pairKey = (user: string, address: string) => `${user}\n${address}`
