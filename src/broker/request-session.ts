import { LabgateError, forbidden } from '../domain/errors.js'
import {
  ALLOCATED,
  NO_SESSIONS,
  activationWindowEnd,
  cappedExpiry,
  isPending,
  planAllocation,
  tighterTimeAllowed,
  type ScheduleSettings,
} from '../domain/index.js'
import type { Environment, Session, User } from '../store/rows.js'
import type { Store } from '../store/store.js'
import type { EmitInput } from '../events/event-bus.js'
import { sessionEvent } from '../events/session-event.js'
import type { BrokerDeps } from './deps.js'
import { SessionSecrets } from './session-secrets.js'
import { checkUserDetails, type UserDetails } from '../domain/user-details.js'
import { resolveApiUser } from './users.js'
import { noMetrics, secondsSince, type AllocationOutcome } from '../metrics.js'

export interface SessionRequest {
  environment: string
  /**
   * Who asks: `api` (default), a robot for a front end's user, who is resolved (and made) by
   * `resolveApiUser`; `portal`, a user signed in to the portal for themselves: `user` must name an existing
   * user who is not a robot (staff may start their own sessions), and the session cannot be reacquired
   * through the API.
   */
  via?: 'api' | 'portal'
  /** The front end's user id; a new anonymous user when absent (`via: 'api'` only). */
  user?: string
  details: UserDetails
  indexUrl: string
  /** Activation window in seconds (0 = the workshop's expiry). */
  timeout: number
  /** Request parameters, already resolved against the workshop's declarations. */
  params: Record<string, string>
  analyticsUrl?: string
  /** `session=`: reacquire this session; never creates one. */
  reacquire?: string
  /**
   * A cap on the session's life in seconds from activation (an LMS lab's `timeAllowed`); absent or 0 =
   * none. A session already held gets the tighter of its cap and this one.
   */
  timeAllowed?: number
}

export interface RequestedSession {
  session: Session
  user: User
  environment: Environment
  /** The activation token for the session's activation URL. */
  token: string
}

/** Why nothing could be allocated: the environment's capacity, the portal's maximum or the user's cap. */
export type UnavailableReason = 'capacity' | 'maximum' | 'user-cap'

/**
 * Educates' answer when nothing can be allocated: 503 `{"error": "No session available"}`, with the
 * reason (when known) for pages that say which limit was reached; the wire body never carries it.
 */
export class NoSessionAvailable extends LabgateError {
  constructor(readonly reason: UnavailableReason | null = null) {
    super('unavailable', 'No session available', { error: 'No session available' })
  }
}

/** See {@link NoSessionAvailable}. */
export const noSessionAvailable = (reason: UnavailableReason | null = null) => new NoSessionAvailable(reason)

/**
 * Allocates a session of an environment to a user, as a robot asks through the REST API.
 * - Same user and environment: the same session comes back while it holds capacity (a pending one keeps
 *   its token and gets a fresh activation window). A `timeAllowed` tighter than its cap becomes its cap,
 *   and an activated one ends no later than `startedAt + timeAllowed`.
 * - Otherwise a WAITING reserve is taken atomically, or a session is created on demand within the
 *   environment's capacity, the portal maximum (evicting the oldest unallocated reserve) and the user's cap.
 * Throws forbidden (unknown environment), bad_request (staff/robot target, bad details) or
 * unavailable (`noSessionAvailable`, or "Cannot be reacquired"); RangeError for a `timeAllowed` that is
 * not a non-negative integer.
 */
export async function requestSession(deps: BrokerDeps, req: SessionRequest): Promise<RequestedSession> {
  const started = performance.now()
  let outcome: AllocationOutcome = 'error'
  try {
    const r = await allocate(deps, req)
    outcome = 'allocated'
    return r
  } catch (e) {
    if (e instanceof LabgateError && e.code === 'unavailable') outcome = 'refused'
    throw e
  } finally {
    ;(deps.metrics ?? noMetrics).allocation(outcome, secondsSince(started))
  }
}

async function allocate(deps: BrokerDeps, req: SessionRequest): Promise<RequestedSession> {
  const { store, clock } = deps
  const environment = await store.getEnvironment(req.environment)
  if (!environment || environment.state !== 'RUNNING' || environment.portal !== deps.portal.name) {
    throw forbidden('Environment does not exist')
  }
  checkUserDetails(req.details)
  const timeAllowed = req.timeAllowed ?? 0
  if (!Number.isSafeInteger(timeAllowed) || timeAllowed < 0) {
    throw new RangeError(`timeAllowed must be a non-negative integer: ${timeAllowed}`)
  }
  if (req.reacquire !== undefined && req.user === undefined) return reacquire(deps, environment, null, req)

  // One transaction, one durable commit: the user, the allocation and their audit events land together
  // (or, when nothing can be allocated, not at all). Webhooks go out after the commit.
  const outbox: (() => void)[] = []
  const record = async (tx: Store, e: EmitInput) => void outbox.push(await deps.events.record(tx, e))
  let evicted: Session | null = null
  const result = await store.transaction(async (tx) => {
    await tx.lockPortal(deps.portal.name)
    const { user, created } =
      req.via === 'portal'
        ? { user: await portalUser(tx, req.user), created: false }
        : await resolveApiUser(deps, tx, req.user, req.details)
    if (created) await record(tx, { name: 'User/Create', user: user.id })
    if (req.reacquire !== undefined) return { user, session: null, fresh: false }

    const now = clock.now()
    const existing = await tx.findHoldingSession(user.id, environment.name)
    if (existing) {
      const session = await reattach(tx, existing, now, req.timeout, environment.settings, timeAllowed)
      return { user, session, fresh: false }
    }

    const plan = await plan_(deps, tx, environment, user)
    if (plan.kind === 'unavailable') throw noSessionAvailable(plan.reason)
    const allocation = {
      owner: user.id,
      viaApi: req.via !== 'portal',
      allocatedAt: now,
      startedAt: now,
      expiresAt: activationWindowEnd(now, req.timeout, environment.settings, timeAllowed),
      timeAllowed,
      indexUrl: req.indexUrl,
      analyticsUrl: req.analyticsUrl ?? null,
      params: req.params,
    }
    let session = plan.kind === 'take-reserve' ? await tx.takeReserve(environment.name, allocation) : null
    // (A reserve that went between the count and the update, taken by another replica, means creating.)
    const fresh = session === null
    if (!session) {
      // The evicted reserve stops counting in this same transaction, so the maximum holds at every commit.
      if (plan.kind === 'create' && plan.evict)
        evicted = await deps.runner.markStopping(tx, plan.evict, 'evicted', outbox)
      session = await tx.createSession({
        ...allocation,
        environment: environment.name,
        portal: environment.portal,
        workshop: environment.workshop,
        state: 'STARTING',
        reserved: false,
        createdAt: now,
        secretNonce: SessionSecrets.nonce(),
        backend: deps.backend.name,
        replica: deps.replica?.id ?? null,
      })
    }
    if (fresh) await record(tx, sessionEvent(session, 'Session/Created'))
    await record(tx, sessionEvent(session, 'Session/Pending'))
    return { user, session, fresh }
  })
  if (evicted) deps.runner.afterStopping(evicted, outbox)
  else outbox.forEach((publish) => publish())

  if (!result.session) return reacquire(deps, environment, result.user, req)
  if (result.fresh) deps.runner.launch(result.session)
  deps.nudge()
  return {
    session: result.session,
    user: result.user,
    environment,
    token: deps.secrets.activationToken(result.session),
  }
}

/** The signed-in portal user a `via: 'portal'` request is for; robots may not hold sessions. */
async function portalUser(tx: Store, id: string | undefined): Promise<User> {
  const user = id === undefined ? null : await tx.getUser(id)
  if (!user || user.kind === 'robot') throw forbidden('Only a signed-in person can start a workshop')
  return user
}

async function plan_(deps: BrokerDeps, tx: Store, environment: Environment, user: User) {
  const portal = deps.portal
  const counts = await tx.countSessions(portal.name)
  const env = counts.environments.get(environment.name) ?? NO_SESSIONS
  const full = portal.maximum > 0 && counts.portalHolding >= portal.maximum
  const oldest = full && env.waiting === 0 ? await tx.oldestReserve(portal.name) : null
  return planAllocation({
    capacity: environment.settings.capacity,
    envHolding: env.holding,
    envWaiting: env.waiting,
    portalMaximum: portal.maximum,
    portalHolding: counts.portalHolding,
    oldestEvictableReserve: oldest?.name ?? null,
    userKind: user.kind,
    userCap: user.kind === 'registered' ? portal.registered : portal.anonymous,
    userHolding: await tx.countUserSessions(portal.name, user.id),
  })
}

/**
 * A session its owner asks for again: it keeps the tighter of its cap and `requested`; a still-pending one
 * gets a fresh activation window (under that cap), an activated one ends no later than its cap allows.
 */
async function reattach(
  store: Store,
  s: Session,
  now: number,
  timeout: number,
  settings: ScheduleSettings,
  requested: number,
): Promise<Session> {
  const timeAllowed = tighterTimeAllowed(s.timeAllowed, requested)
  const expiresAt = isPending(s)
    ? activationWindowEnd(now, timeout, settings, timeAllowed)
    : cappedExpiry(s, timeAllowed)
  if (expiresAt === s.expiresAt && timeAllowed === s.timeAllowed) return s
  return (await store.updateSession(s.name, { expiresAt, timeAllowed }, ALLOCATED)) ?? s
}

async function reacquire(
  deps: BrokerDeps,
  environment: Environment,
  user: User | null,
  req: SessionRequest,
): Promise<RequestedSession> {
  const s = await deps.store.getSession(req.reacquire!)
  const allocated = s && s.environment === environment.name && ALLOCATED.includes(s.state) && s.owner
  if (!s || !allocated) throw noSessionAvailable()
  if (!s.viaApi)
    throw new LabgateError('unavailable', 'Cannot be reacquired', { error: 'Cannot be reacquired' })
  if (user && s.owner !== user.id) throw noSessionAvailable()
  const owner = user ?? (await deps.store.getUser(s.owner!))
  if (!owner) throw noSessionAvailable()
  const now = deps.clock.now()
  const session = await reattach(deps.store, s, now, req.timeout, environment.settings, req.timeAllowed ?? 0)
  return { session, user: owner, environment, token: deps.secrets.activationToken(session) }
}
