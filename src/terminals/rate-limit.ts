import { TokenBucket, type RateLimit } from '../domain/token-bucket.js'

/** The limits a terminal connection's input frames are held to, per connection and per session. */
export interface InputRateLimits {
  /** Frames (of any type). */
  frames: RateLimit
  /** Bytes of frame payload. */
  bytes: RateLimit
}

/**
 * Defaults: generous for people (typing, pasting, dragging a window's edge, a few MiB pasted at once) and
 * far below what a script flooding the socket sends.
 */
export const CONNECTION_INPUT_LIMITS: InputRateLimits = {
  frames: { burst: 1000, perSecond: 200 },
  bytes: { burst: 4 * 1024 * 1024, perSecond: 1024 * 1024 },
}

/** Defaults across all terminal connections of one session. */
export const SESSION_INPUT_LIMITS: InputRateLimits = {
  frames: { burst: 2000, perSecond: 400 },
  bytes: { burst: 8 * 1024 * 1024, perSecond: 2 * 1024 * 1024 },
}

/** A frames bucket and a bytes bucket, checked together. */
export class InputMeter {
  readonly #frames: TokenBucket
  readonly #bytes: TokenBucket

  constructor(limits: InputRateLimits, clock?: () => number) {
    this.#frames = new TokenBucket(limits.frames, clock)
    this.#bytes = new TokenBucket(limits.bytes, clock)
  }

  /** Counts one frame of `bytes`; false when it is over either limit. */
  take(bytes: number): boolean {
    return this.#frames.take(1) && this.#bytes.take(bytes)
  }
}
