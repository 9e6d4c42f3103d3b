import { Reconciler, type ReconcilerOptions } from '../reconciler/reconciler.js'
import type { BrokerDeps } from '../broker/deps.js'
import { SessionRunner } from '../broker/session-runner.js'

/**
 * Wires the broker's stateful parts to each other: the session runner, and the reconciler that every
 * use case nudges. The one place that does it, for the server and for tests alike.
 */
export function composeBroker(
  parts: Omit<BrokerDeps, 'runner' | 'nudge'>,
  opts: ReconcilerOptions = {},
): { deps: BrokerDeps; runner: SessionRunner; reconciler: Reconciler } {
  let reconciler: Reconciler | null = null
  const partial = { ...parts, nudge: () => reconciler?.nudge() }
  const runner = new SessionRunner(partial)
  const deps: BrokerDeps = { ...partial, runner }
  reconciler = new Reconciler(deps, opts)
  return { deps, runner, reconciler }
}
