/**
 * When a failed grade passback is tried again: exponential backoff (1 s, 2 s, 4 s, … capped), at most a
 * fixed number of attempts. Pure.
 */

/** The retry policy of passbacks. */
export interface BackoffPolicy {
  /** Delay after the first failed attempt, ms. */
  baseMs: number
  /** Longest delay between two attempts, ms. */
  capMs: number
  /** Attempts in all, the first one included. */
  maxAttempts: number
}

/** 1 s, 2 s, 4 s … 64 s: eight attempts over about two minutes. */
export const PASSBACK_BACKOFF: BackoffPolicy = { baseMs: 1000, capMs: 5 * 60_000, maxAttempts: 8 }

/** The delay after failed attempt number `attempt` (1 for the first): `baseMs · 2^(attempt−1)`, capped. */
export function retryDelayMs(attempt: number, p: BackoffPolicy = PASSBACK_BACKOFF): number {
  const n = Math.max(1, Math.floor(attempt))
  return Math.min(p.capMs, p.baseMs * 2 ** Math.min(n - 1, 52))
}

/**
 * What follows failed attempt `attempt` at `now`: another attempt at `retryAt`, or none (`give_up`) when
 * the failure is not worth retrying or the attempts are used up.
 */
export function afterFailure(
  attempt: number,
  now: number,
  retryable: boolean,
  p: BackoffPolicy = PASSBACK_BACKOFF,
): { next: 'retry'; retryAt: number } | { next: 'give_up' } {
  if (!retryable || attempt >= p.maxAttempts) return { next: 'give_up' }
  return { next: 'retry', retryAt: now + retryDelayMs(attempt, p) }
}
