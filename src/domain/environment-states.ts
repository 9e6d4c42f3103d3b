import type { EnvironmentState } from './types.js'

/** Every state of a workshop environment, in life order: STARTING, RUNNING, STOPPING (draining), STOPPED. */
export const ENVIRONMENT_STATES: readonly EnvironmentState[] = Object.freeze([
  'STARTING',
  'RUNNING',
  'STOPPING',
  'STOPPED',
])
