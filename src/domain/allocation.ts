import type { UserKind } from './types.js'

/** What `planAllocation` needs to know, counted in one consistent read. Caps of 0 mean unlimited. */
export interface AllocationInput {
  /** The environment's capacity; 0 = unlimited. */
  capacity: number
  /** The environment's sessions not STOPPING/STOPPED (allocated, reserves and starting). */
  envLive: number
  /** The environment's unallocated WAITING reserves. */
  envWaiting: number
  /** The portal's `sessions.maximum`; 0 = unlimited. */
  portalMaximum: number
  /** The portal's sessions not STOPPING/STOPPED, across all environments. */
  portalLive: number
  /**
   * The oldest unallocated reserve (WAITING or STARTING, no owner) in any environment of the portal, leaving
   * out this environment's own when it has a reserve to take; null when there is none.
   */
  oldestEvictableReserve: string | null
  userKind: UserKind
  /** The per-user cap for this user's kind (`registered` or `anonymous` of the portal); 0 = unlimited. */
  userCap: number
  /** The user's sessions not STOPPING/STOPPED across the portal. */
  userActive: number
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
 * 1. anonymous and registered users at their cap (`userActive ≥ userCap > 0`) → unavailable `user-cap`;
 *    staff and robots are never capped;
 * 2. a WAITING reserve in the environment → `take-reserve` (counts do not change);
 * 3. the environment at capacity → unavailable `capacity`;
 * 4. the portal at its maximum → `create` evicting `oldestEvictableReserve` when there is one and evicting
 *    it brings the portal back under the maximum, else unavailable `maximum`;
 * 5. otherwise `create`.
 */
export function planAllocation(input: AllocationInput): AllocationPlan {
  const capped = input.userKind === 'anonymous' || input.userKind === 'registered'
  if (capped && room(input.userCap, input.userActive) === 0)
    return { kind: 'unavailable', reason: 'user-cap' }
  if (input.envWaiting > 0) return { kind: 'take-reserve' }
  if (room(input.capacity, input.envLive) === 0) return { kind: 'unavailable', reason: 'capacity' }
  if (room(input.portalMaximum, input.portalLive) === 0) {
    // Evicting one reserve frees one place; a portal already over its maximum (lowered by a config change)
    // would still be full afterwards, so it does not evict.
    if (input.oldestEvictableReserve != null && input.portalLive === input.portalMaximum) {
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
  /** The environment's sessions not STOPPING/STOPPED. */
  envLive: number
  /** The environment's unallocated sessions: WAITING plus STARTING without owner. */
  envUnallocated: number
  portalMaximum: number
  portalLive: number
}

/**
 * How many new reserve sessions to start now so the environment holds `reserved` unallocated sessions,
 * without exceeding capacity (`envLive + n ≤ capacity`) or the portal maximum (`portalLive + n ≤ maximum`).
 * Never negative; never stops surplus reserves.
 */
export function reservesToStart(input: ReserveInput): number {
  const wanted = Math.max(0, input.reserved - input.envUnallocated)
  return Math.min(wanted, room(input.capacity, input.envLive), room(input.portalMaximum, input.portalLive))
}

/**
 * How many sessions to create when an environment starts: `initial`, within the environment's capacity
 * (counting its `envLive` sessions, normally 0) and the room left under the portal maximum. Never negative.
 */
export function initialReserves(
  settings: { initial: number; capacity: number },
  counts: { envLive: number; portalMaximum: number; portalLive: number },
): number {
  return Math.min(
    Math.max(0, settings.initial),
    room(settings.capacity, counts.envLive),
    room(counts.portalMaximum, counts.portalLive),
  )
}
