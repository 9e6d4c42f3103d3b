import { LabgateError, forbidden } from '../domain/errors.js'
import { activationWindowEnd, planAllocation } from '../domain/index.js'
import type { Environment, Session, User } from '../store/rows.js'
import type { Store } from '../store/store.js'
import type { EmitInput } from '../events/event-bus.js'
import type { BrokerDeps } from './deps.js'
import { SessionSecrets } from './session-secrets.js'
import { checkUserDetails, type UserDetails } from '../auth/user-details.js'
import { resolveApiUser } from './users.js'

export interface SessionRequest {
  environment: string
  /** The front end's user id; a new anonymous user when absent. */
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
}

export interface RequestedSession {
  session: Session
  user: User
  environment: Environment
  /** The activation token for the session's activation URL. */
  token: string
}

/** Educates' answer when nothing can be allocated: 503 `{"error": "No session available"}`. */
export const noSessionAvailable = () =>
  new LabgateError('unavailable', 'No session available', { error: 'No session available' })

/**
 * Allocates a session of an environment to a user, as a robot asks through the REST API.
 * - Same user and environment: the same live session comes back (a pending one keeps its token and gets
 *   a fresh activation window).
 * - Otherwise a WAITING reserve is taken atomically, or a session is created on demand within the
 *   environment's capacity, the portal maximum (evicting the oldest unallocated reserve) and the user's cap.
 * Throws forbidden (unknown environment), bad_request (staff/robot target, bad details) or
 * unavailable (`noSessionAvailable`, or "Cannot be reacquired").
 */
export async function requestSession(deps: BrokerDeps, req: SessionRequest): Promise<RequestedSession> {
  const { store, clock } = deps
  const environment = await store.getEnvironment(req.environment)
  if (!environment || environment.state !== 'RUNNING' || environment.portal !== deps.portal.name) {
    throw forbidden('Environment does not exist')
  }
  checkUserDetails(req.details)
  if (req.reacquire !== undefined && req.user === undefined) return reacquire(deps, environment, null, req)

  // One transaction, one durable commit: the user, the allocation and their audit events land together
  // (or, when nothing can be allocated, not at all). Webhooks go out after the commit.
  const outbox: (() => void)[] = []
  const record = async (tx: Store, e: EmitInput) => void outbox.push(await deps.events.record(tx, e))
  let evicted: Session | null = null
  const result = await store.transaction(async (tx) => {
    await tx.lockPortal(deps.portal.name)
    const { user, created } = await resolveApiUser(deps, tx, req.user, req.details)
    if (created) await record(tx, { name: 'User/Create', user: user.id })
    if (req.reacquire !== undefined) return { user, session: null, fresh: false }

    const now = clock.now()
    const window = activationWindowEnd(now, req.timeout, environment.settings)
    const existing = await tx.findLiveSession(user.id, environment.name)
    if (existing) return { user, session: await refreshPending(tx, existing, window), fresh: false }

    const plan = await plan_(deps, tx, environment, user)
    if (plan.kind === 'unavailable') throw noSessionAvailable()
    const allocation = {
      owner: user.id,
      viaApi: true,
      allocatedAt: now,
      startedAt: now,
      expiresAt: window,
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
      })
    }
    const base = {
      user: user.id,
      session: session.name,
      environment: session.environment,
      workshop: session.workshop,
      analyticsUrl: session.analyticsUrl,
    }
    if (fresh) await record(tx, { ...base, name: 'Session/Created' })
    await record(tx, { ...base, name: 'Session/Pending' })
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

async function plan_(deps: BrokerDeps, tx: Store, environment: Environment, user: User) {
  const portal = deps.portal
  const counts = await tx.countSessions(portal.name)
  const env = counts.environments.get(environment.name) ?? {
    live: 0,
    waiting: 0,
    unallocated: 0,
    allocated: 0,
  }
  const full = portal.maximum > 0 && counts.portalLive >= portal.maximum
  const oldest = full && env.waiting === 0 ? await tx.oldestReserve(portal.name) : null
  return planAllocation({
    capacity: environment.settings.capacity,
    envLive: env.live,
    envWaiting: env.waiting,
    portalMaximum: portal.maximum,
    portalLive: counts.portalLive,
    oldestEvictableReserve: oldest?.name ?? null,
    userKind: user.kind,
    userCap: user.kind === 'registered' ? portal.registered : portal.anonymous,
    userActive: await tx.countUserSessions(portal.name, user.id),
  })
}

/** A still-pending session gets a fresh activation window; an activated one is returned as it is. */
async function refreshPending(store: Store, s: Session, window: number | null): Promise<Session> {
  if (!s.owner || s.activatedAt !== null) return s
  return (await store.updateSession(s.name, { expiresAt: window }, ['STARTING', 'RUNNING'])) ?? s
}

async function reacquire(
  deps: BrokerDeps,
  environment: Environment,
  user: User | null,
  req: SessionRequest,
): Promise<RequestedSession> {
  const s = await deps.store.getSession(req.reacquire!)
  const live = s && s.environment === environment.name && ['STARTING', 'RUNNING'].includes(s.state) && s.owner
  if (!s || !live) throw noSessionAvailable()
  if (!s.viaApi)
    throw new LabgateError('unavailable', 'Cannot be reacquired', { error: 'Cannot be reacquired' })
  if (user && s.owner !== user.id) throw noSessionAvailable()
  const owner = user ?? (await deps.store.getUser(s.owner!))
  if (!owner) throw noSessionAvailable()
  const window = activationWindowEnd(deps.clock.now(), req.timeout, environment.settings)
  const session = await refreshPending(deps.store, s, window)
  return { session, user: owner, environment, token: deps.secrets.activationToken(session) }
}
