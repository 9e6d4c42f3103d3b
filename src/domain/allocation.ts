import type { UserKind } from './types.js'

/** What `planAllocation` needs to know, counted in one consistent read. Caps of 0 mean unlimited. */
export interface AllocationInput {
  /** The environment's capacity; 0 = unlimited. */
  capacity: number
  /** The environment's sessions holding capacity (allocated, reserves and starting). */
  envHolding: number
  /** The environment's unallocated WAITING reserves. */
  envWaiting: number
  /** The portal's `sessions.maximum`; 0 = unlimited. */
  portalMaximum: number
  /** The portal's sessions holding capacity, across all environments. */
  portalHolding: number
  /**
   * The oldest unallocated reserve (WAITING or STARTING, no owner) in any environment of the portal, leaving
   * out this environment's own when it has a reserve to take; null when there is none.
   */
  oldestEvictableReserve: string | null
  userKind: UserKind
  /** The per-user cap for this user's kind (`registered` or `anonymous` of the portal); 0 = unlimited. */
  userCap: number
  /** The user's sessions holding capacity across the portal. */
  userHolding: number
}

/** The outcome of `planAllocation`. */
export type AllocationPlan =
  | { kind: 'take-reserve' }
  | { kind: 'create'; evict?: string }
  | { kind: 'unavailable'; reason: 'capacity' | 'maximum' | 'user-cap' }

/** Room left under a cap, where a cap of 0 means unlimited. Never negative. */
function room(cap: number, used: number): number {
  return cap > 0 ? Math.max(0, cap - used) : Infinity
}

/**
 * Decides how to give a user a new session in an environment. In order:
 * 1. anonymous and registered users at their cap (`userHolding ≥ userCap > 0`) → unavailable `user-cap`;
 *    staff and robots are never capped;
 * 2. a WAITING reserve in the environment → `take-reserve` (counts do not change);
 * 3. the environment at capacity → unavailable `capacity`;
 * 4. the portal at its maximum → `create` evicting `oldestEvictableReserve` when there is one and evicting
 *    it brings the portal back under the maximum, else unavailable `maximum`;
 * 5. otherwise `create`.
 */
export function planAllocation(input: AllocationInput): AllocationPlan {
  const capped = input.userKind === 'anonymous' || input.userKind === 'registered'
  if (capped && room(input.userCap, input.userHolding) === 0)
    return { kind: 'unavailable', reason: 'user-cap' }
  if (input.envWaiting > 0) return { kind: 'take-reserve' }
  if (room(input.capacity, input.envHolding) === 0) return { kind: 'unavailable', reason: 'capacity' }
  if (room(input.portalMaximum, input.portalHolding) === 0) {
    // Evicting one reserve frees one place; a portal already over its maximum (lowered by a config change)
    // would still be full afterwards, so it does not evict.
    if (input.oldestEvictableReserve != null && input.portalHolding === input.portalMaximum) {
      return { kind: 'create', evict: input.oldestEvictableReserve }
    }
    return { kind: 'unavailable', reason: 'maximum' }
  }
  return { kind: 'create' }
}

/** The counts `reservesToStart` needs. Caps of 0 mean unlimited. */
export interface ReserveInput {
  capacity: number
  /** How many unallocated sessions the environment should hold. */
  reserved: number
  /** The environment's sessions holding capacity. */
  envHolding: number
  /** The environment's unallocated sessions: WAITING plus STARTING without owner. */
  envUnallocated: number
  portalMaximum: number
  portalHolding: number
}

/**
 * How many new reserve sessions to start now so the environment holds `reserved` unallocated sessions,
 * without exceeding capacity (`envHolding + n ≤ capacity`) or the portal maximum (`portalHolding + n ≤ maximum`).
 * Never negative; never stops surplus reserves.
 */
export function reservesToStart(input: ReserveInput): number {
  const wanted = Math.max(0, input.reserved - input.envUnallocated)
  return Math.min(
    wanted,
    room(input.capacity, input.envHolding),
    room(input.portalMaximum, input.portalHolding),
  )
}

/** How many sessions of each kind an environment holds, for allocation and reserve decisions. */
export interface EnvironmentCounts {
  /** Sessions holding capacity (STARTING, WAITING or RUNNING). */
  holding: number
  /** Unallocated WAITING reserves. */
  waiting: number
  /** Unallocated sessions: WAITING, or STARTING without an owner. */
  unallocated: number
  /** Sessions with an owner that hold capacity. */
  allocated: number
}

/** The session counts of one portal, read in one consistent view. */
export interface SessionCounts {
  /** Sessions holding capacity across the portal. */
  portalHolding: number
  /** Per environment; an environment without sessions holding capacity may be missing. */
  environments: Map<string, EnvironmentCounts>
}

/** The counts of an environment with no session holding capacity. */
export const NO_SESSIONS: Readonly<EnvironmentCounts> = Object.freeze({
  holding: 0,
  waiting: 0,
  unallocated: 0,
  allocated: 0,
})

/**
 * How many unallocated sessions an environment keeps: `min(reserved, initial)` until it has seen its
 * first request (`requested`), `reserved` from then on.
 */
export function reserveTarget(settings: { reserved: number; initial: number }, requested: boolean): number {
  return requested ? settings.reserved : Math.min(settings.reserved, settings.initial)
}

/**
 * How many reserves environment `name` may start now by `counts`, to hold `target` unallocated sessions
 * within its `capacity` and the portal's `maximum` (caps of 0 are unlimited): {@link reservesToStart}
 * over the counts. The reconciler's estimate and its recount under the portal lock both ask this.
 */
export function reserveRoom(
  name: string,
  limits: { capacity: number; target: number; portalMaximum: number },
  counts: SessionCounts,
): number {
  const e = counts.environments.get(name) ?? NO_SESSIONS
  return reservesToStart({
    capacity: limits.capacity,
    reserved: limits.target,
    envHolding: e.holding,
    envUnallocated: e.unallocated,
    portalMaximum: limits.portalMaximum,
    portalHolding: counts.portalHolding,
  })
}
