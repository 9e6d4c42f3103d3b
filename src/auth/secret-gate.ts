/**
 * Bounded password-hashing work. Every scrypt labgate runs for a request (a client secret at the token,
 * introspection and revocation endpoints, a password at `/login/` and in the password grant) first takes a
 * token from the caller's address bucket and from a global bucket, so no caller, and no crowd of callers,
 * can keep the libuv thread pool busy. Client secrets are checked once per short period: a recent result
 * for the same (client id, secret) against the same stored hash is reused without hashing again.
 */
import { createHash } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Clock } from '../domain/clock.js'
import { OAuthError } from './oauth-errors.js'
import { verifyPassword } from './secrets.js'
import { TokenBuckets, type BucketRule } from './token-bucket.js'

/** Checks secrets on behalf of one caller. Throws `TooManyHashes` when the caller is over budget. */
export interface SecretChecker {
  /**
   * True when `secret` is the secret of client `clientId`, whose stored hash is `stored`. `stored = null`
   * (no such client, or a disabled one) gives false after about as long as a real check takes.
   */
  clientSecret(clientId: string, secret: string, stored: string | null): Promise<boolean>
  /** True when `password` matches `stored` (`null`: no such account; checked against a dummy hash). */
  password(password: string, stored: string | null): Promise<boolean>
}

/** Checks without a budget or cache: for in-process callers (no client address) and unit tests. */
export const UNMETERED_CHECKS: SecretChecker = {
  clientSecret: (_clientId, secret, stored) => verifyPassword(secret, stored),
  password: verifyPassword,
}

/** 429: the caller (or everyone) has used up the password-hashing budget; `retryAfter` in seconds. */
export class TooManyHashes extends OAuthError {
  readonly error = 'temporarily_unavailable'
  override readonly status = 429
  override name = 'TooManyHashes'
  constructor(readonly retryAfter: number) {
    super(`Too many authentication attempts; try again in ${retryAfter} s.`)
  }
}

export interface SecretGateLimits {
  /** Hashes per client address, across both kinds. */
  perAddress: BucketRule
  /** Hashes for client secrets, across all addresses. */
  clients: BucketRule
  /** Hashes for passwords (sign-ins), across all addresses: kept apart so a client-secret flood cannot starve sign-ins. */
  passwords: BucketRule
  /** How long a client secret's result is reused. */
  cacheMs: number
  /**
   * Hashes running at once for client secrets and for passwords (the others wait their turn): keeps most
   * of libuv's 4 threads free for file operations, and a client-secret flood away from sign-ins.
   */
  concurrent: { clients: number; passwords: number }
}

/**
 * Defaults. One scrypt takes about 75 ms of one of libuv's 4 threads: after their bursts the global
 * buckets allow 15 a second (about one thread), one address 3 a second (a classroom behind one address
 * signs in together); at most 3 run at once whatever the budget says.
 */
export const DEFAULT_SECRET_GATE_LIMITS: SecretGateLimits = {
  perAddress: { burst: 30, perSecond: 3 },
  clients: { burst: 10, perSecond: 5 },
  passwords: { burst: 20, perSecond: 10 },
  cacheMs: 60_000,
  concurrent: { clients: 1, passwords: 2 },
}

export interface SecretGateOptions {
  clock: Clock
  limits?: SecretGateLimits
  /** The hash check (default `verifyPassword`); injectable to count or stub. */
  verify?: (secret: string, stored: string | null) => Promise<boolean>
  /** Most cached client-secret results kept (the oldest go first). */
  maxCached?: number
}

interface Cached {
  stored: string | null
  ok: boolean
  at: number
}

/**
 * The budget and cache of secret checks, one per server. `for(address)` gives the checker a request uses.
 *
 * Unknown client ids never run scrypt: their check spends budget like a real one (so being refused with
 * 429 does not tell whether a client exists) and then waits, on a timer, about as long as recent real
 * checks took (so the answer's timing does not tell either), and its failure is cached like any other.
 */
export class SecretGate {
  readonly #clock: Clock
  readonly #limits: SecretGateLimits
  readonly #verify: (secret: string, stored: string | null) => Promise<boolean>
  readonly #maxCached: number
  readonly #addresses: TokenBuckets
  readonly #clients: TokenBuckets
  readonly #passwords: TokenBuckets
  readonly #cache = new Map<string, Cached>()
  readonly #clientSlots: Slots
  readonly #passwordSlots: Slots
  /** Recent duration of one check, ms (moving average); the wait of checks for unknown clients. */
  #typicalMs = 75
  #hashRuns = 0

  constructor(o: SecretGateOptions) {
    this.#clock = o.clock
    this.#limits = o.limits ?? DEFAULT_SECRET_GATE_LIMITS
    this.#verify = o.verify ?? verifyPassword
    this.#maxCached = o.maxCached ?? 10_000
    this.#addresses = new TokenBuckets(o.clock, this.#limits.perAddress)
    this.#clients = new TokenBuckets(o.clock, this.#limits.clients, 1)
    this.#passwords = new TokenBuckets(o.clock, this.#limits.passwords, 1)
    this.#clientSlots = new Slots(this.#limits.concurrent.clients)
    this.#passwordSlots = new Slots(this.#limits.concurrent.passwords)
  }

  /** How many hash checks have run (for metrics and tests). */
  get hashRuns(): number {
    return this.#hashRuns
  }

  /** The checker for requests from `address`. */
  for(address: string): SecretChecker {
    return {
      clientSecret: (clientId, secret, stored) => this.#clientSecret(address, clientId, secret, stored),
      password: async (password, stored) => {
        this.#take(address, this.#passwords)
        return this.#run(password, stored, this.#passwordSlots)
      },
    }
  }

  async #clientSecret(address: string, clientId: string, secret: string, stored: string | null) {
    const key = createHash('sha256').update(`${clientId}\0${secret}`, 'utf8').digest('base64url')
    const now = this.#clock.now()
    const hit = this.#cache.get(key)
    if (hit && hit.stored === stored && now - hit.at < this.#limits.cacheMs) return hit.ok
    this.#take(address, this.#clients)
    let ok = false
    if (stored === null) await sleep(this.#typicalMs)
    else ok = await this.#run(secret, stored, this.#clientSlots)
    this.#cache.delete(key)
    this.#cache.set(key, { stored, ok, at: this.#clock.now() })
    if (this.#cache.size > this.#maxCached) this.#cache.delete(this.#cache.keys().next().value!)
    return ok
  }

  /** Spends one token of the address and one of the global bucket, or throws `TooManyHashes`. */
  #take(address: string, global: TokenBuckets): void {
    const wait = this.#addresses.take(address)
    if (wait > 0) throw new TooManyHashes(wait)
    const globalWait = global.take('')
    if (globalWait > 0) {
      this.#addresses.refund(address)
      throw new TooManyHashes(globalWait)
    }
  }

  async #run(secret: string, stored: string | null, slots: Slots): Promise<boolean> {
    await slots.acquire()
    this.#hashRuns++
    const started = performance.now()
    try {
      return await this.#verify(secret, stored)
    } finally {
      this.#typicalMs = 0.8 * this.#typicalMs + 0.2 * (performance.now() - started)
      slots.release()
    }
  }
}

/** A counting semaphore: at most `size` holders; the others wait in order. */
class Slots {
  #free: number
  readonly #waiting: (() => void)[] = []

  constructor(size: number) {
    this.#free = Math.max(1, size)
  }

  async acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--
      return
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve))
  }

  release(): void {
    const next = this.#waiting.shift()
    if (next) next()
    else this.#free++
  }
}
