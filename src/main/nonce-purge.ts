import type { Clock } from '../domain/clock.js'
import type { NonceStore } from '../store/nonce-store.js'

/**
 * Purges expired single-use values (LTI nonces) every `everyMs` (default 10 min), so the table holds only
 * values still inside their message's time window. Returns the function that stops it.
 */
export function startNoncePurge(
  nonces: Pick<NonceStore, 'purgeExpired'>,
  clock: Clock,
  log: (msg: string) => void,
  everyMs = 10 * 60_000,
): () => void {
  const timer = setInterval(() => {
    nonces.purgeExpired(clock.now()).catch((e: unknown) => log(`nonce purge failed: ${(e as Error).message}`))
  }, everyMs)
  timer.unref()
  return () => clearInterval(timer)
}
