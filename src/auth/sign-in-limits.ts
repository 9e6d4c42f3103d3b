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

/** Limits of failed sign-ins: per account (or typed name) and per client address. */
export interface SignInLimits {
  perUser: LimitRule
  /** Higher than per user: a classroom often shares one address. */
  perAddress: LimitRule
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = {
  perUser: { max: 5, windowMs: 15 * 60_000 },
  perAddress: { max: 20, windowMs: 15 * 60_000 },
}

/**
 * Rate limiting of failed sign-ins. `retryAfter` before checking a password; `failed` after a wrong one;
 * `succeeded` resets the account's counter (not the address's).
 */
export class SignInLimiter {
  readonly #users: WindowCounter
  readonly #addresses: WindowCounter

  constructor(clock: Clock, limits: SignInLimits = DEFAULT_SIGN_IN_LIMITS) {
    this.#users = new WindowCounter(clock, limits.perUser)
    this.#addresses = new WindowCounter(clock, limits.perAddress)
  }

  /** Seconds to wait before `user` may try again from `address`; 0 when allowed now. */
  retryAfter(user: string, address: string): number {
    return Math.max(this.#users.retryAfter(user), this.#addresses.retryAfter(address))
  }

  failed(user: string, address: string): void {
    this.#users.add(user)
    this.#addresses.add(address)
  }

  succeeded(user: string): void {
    this.#users.reset(user)
  }
}
