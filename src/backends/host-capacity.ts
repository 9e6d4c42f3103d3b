/**
 * How many sessions of the local backend this host can hold, and raising its limits: the parts of
 * `local/capacity/` that the entry point (the start-up check's planned sessions) and `labgate tune` use.
 * See `docs/capacity.md`.
 */
export {
  checkHostCapacity,
  DEFAULT_TUNE_SESSIONS,
  describeTightest,
  plannedSessions,
} from './local/capacity/host-check.js'
export { LOCAL_SESSION_FOOTPRINT } from './local/capacity/footprint.js'
export { readHostLimits } from './local/capacity/kernel-limits.js'
export { applyRaises } from './local/capacity/kernel-tuning.js'
export {
  headroom,
  raisesFor,
  type Headroom,
  type Raise,
  type SessionFootprint,
} from './local/capacity/session-capacity.js'
