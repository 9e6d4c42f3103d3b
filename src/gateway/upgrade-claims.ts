/**
 * Several listeners share the HTTP server's `upgrade` event, and every one of them sees every upgrade. A
 * listener that takes an upgrade claims it, so that the catch-all one (which refuses what nobody took)
 * leaves it alone. Listeners that claim must run before the catch-all (`prependListener`).
 */
import type { IncomingMessage } from 'node:http'

const claimed = new WeakSet<IncomingMessage>()

/** Marks `req`'s upgrade as taken by the calling listener. Idempotent. */
export function claimUpgrade(req: IncomingMessage): void {
  claimed.add(req)
}

/** True when another listener took `req`'s upgrade. */
export function isUpgradeClaimed(req: IncomingMessage): boolean {
  return claimed.has(req)
}
