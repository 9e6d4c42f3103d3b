import type { SessionBackend } from '../backends/backend.js'
import type { PortalDefinition } from '../config/types.js'
import type { Clock } from '../domain/clock.js'
import type { EventBus } from '../events/event-bus.js'
import type { Store } from '../store/store.js'
import type { SessionSecrets } from './session-secrets.js'

/** Everything the use cases need, wired once in `src/main/labgate.ts`. */
export interface BrokerDeps {
  store: Store
  clock: Clock
  backend: SessionBackend
  events: EventBus
  portal: PortalDefinition
  secrets: SessionSecrets
  log: (msg: string) => void
  /** Returns an integer in [0, n); cryptographically random in production. */
  random: (n: number) => number
  /** Called after anything that may need the reconciler's attention (a reserve taken, a session stopped). */
  nudge: () => void
  /** Starts and stops sandboxes. */
  runner: import('./session-runner.js').SessionRunner
}
