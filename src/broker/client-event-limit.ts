import { TokenBucket, type RateLimit } from '../domain/token-bucket.js'

/** Default: a burst of 30 client events per session, then one every 2 s. */
export const CLIENT_EVENT_LIMIT: RateLimit = { burst: 30, perSecond: 0.5 }

/** Sessions whose buckets are kept at most; past it, the least recently created goes. */
const MAX_SESSIONS = 10_000

/** Per-session rate limit of client-posted events (token buckets keyed by session name). */
export class ClientEventLimiter {
  readonly #buckets = new Map<string, TokenBucket>()

  constructor(
    private readonly clock: () => number,
    private readonly limit: RateLimit = CLIENT_EVENT_LIMIT,
  ) {}

  /** Counts one event of `session`; false when the session is over its limit. */
  take(session: string): boolean {
    let bucket = this.#buckets.get(session)
    if (!bucket) {
      if (this.#buckets.size >= MAX_SESSIONS) this.#buckets.delete(this.#buckets.keys().next().value!)
      bucket = new TokenBucket(this.limit, this.clock)
      this.#buckets.set(session, bucket)
    }
    return bucket.take()
  }
}
