import type { Clock } from '../domain/clock.js'
import type { LmsGatewayStore } from '../store/lms-gateway-store.js'
import type { NonceStore } from '../store/nonce-store.js'

/** How long a finished or abandoned wait for a full lab is kept (for the LMS admin's pages), ms. */
export const WAITERS_KEPT_MS = 24 * 3600_000

/**
 * Every `everyMs` (default 10 min): purges expired single-use values (LTI nonces), so the table holds
 * only values still inside their message's time window, and, given `waiters`, waits for a full lab that
 * ended or were left more than {@link WAITERS_KEPT_MS} ago. Returns the function that stops it.
 */
export function startNoncePurge(
  nonces: Pick<NonceStore, 'purgeExpired'>,
  clock: Clock,
  log: (msg: string) => void,
  everyMs = 10 * 60_000,
  waiters?: Pick<LmsGatewayStore, 'purgeWaitersBefore'>,
): () => void {
  const timer = setInterval(() => {
    nonces.purgeExpired(clock.now()).catch((e: unknown) => log(`nonce purge failed: ${(e as Error).message}`))
    waiters
      ?.purgeWaitersBefore(clock.now() - WAITERS_KEPT_MS)
      .catch((e: unknown) => log(`waiters purge failed: ${(e as Error).message}`))
  }, everyMs)
  timer.unref()
  return () => clearInterval(timer)
}
