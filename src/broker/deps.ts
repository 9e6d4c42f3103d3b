import type { RunnerDeps, SessionRunner } from './session-runner.js'

/**
 * Everything the use cases need, wired once in `src/main/labgate.ts`: what the session runner needs,
 * plus randomness and the runner itself.
 */
export interface BrokerDeps extends RunnerDeps {
  /** Returns an integer in [0, n); cryptographically random in production. */
  random: (n: number) => number
  /** Starts and stops sandboxes. */
  runner: SessionRunner
}
