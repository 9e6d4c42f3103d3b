/**
 * Tickets into a job's web UI. HuBMAP portal users have no labgate browser session, so the job's entry
 * URL carries a ticket: an access token of the job's own OAuth client (`labgate-job.<id>`, registered on
 * the first ticket), scope `job:<id>`, issued to the job's owner, multi-use, living as long as the job's
 * time limit. The gateway turns it into a cookie holding the same token; ending the job revokes the
 * client's sign-ins (every ticket and cookie at once) and disables the client, so none is minted again.
 */
import { registerClient } from '../auth/clients.js'
import type { GrantManager } from '../auth/grant-manager.js'
import type { TokenCache } from '../auth/token-cache.js'
import type { Clock } from '../domain/clock.js'
import type { AuthStore } from '../store/auth-store.js'
import type { JobRecord } from '../store/workspace-records.js'

/** Prefix of the job clients' ids. */
export const JOB_CLIENT_PREFIX = 'labgate-job.'
/** A job's time limit when its resource options give none, minutes (the original's default). */
export const DEFAULT_TIME_LIMIT_MINUTES = 180

/** What tickets need: the grant model over the auth store. */
export interface JobTicketDeps {
  auth: AuthStore
  grants: GrantManager
  tokens: TokenCache
  clock: Clock
}

/** The client id of job `jobId`'s tickets. */
export const jobClientId = (jobId: number): string => `${JOB_CLIENT_PREFIX}${jobId}`

/** The one scope of job `jobId`'s tickets. */
export const jobScope = (jobId: number): string => `job:${jobId}`

/** How long a ticket of `job` lives, seconds: its `time_limit_minutes` (default 180). Pure. */
export function jobTicketLifetime(job: Pick<JobRecord, 'resourceOptions'>): number {
  const minutes = job.resourceOptions.time_limit_minutes
  const ok = typeof minutes === 'number' && Number.isInteger(minutes) && minutes > 0
  return (ok ? minutes : DEFAULT_TIME_LIMIT_MINUTES) * 60
}

/**
 * Issues a ticket for `job`'s owner: a new grant of the job's client (registered on first use) with one
 * multi-use access token, scope `job:<id>`, expiring after {@link jobTicketLifetime}. Not idempotent: every
 * call issues another ticket. Throws `MintingNotAllowed` once {@link revokeJobTickets} ran for the job,
 * not_found when its owner does not exist.
 */
export async function mintJobTicket(d: JobTicketDeps, job: JobRecord): Promise<string> {
  const clientId = jobClientId(job.id)
  if (!(await d.auth.getClient(clientId))) {
    try {
      await registerClient(d.auth, d.clock, {
        id: clientId,
        name: `labgate job ${job.id} (web UI tickets)`,
        kind: 'session',
        grantTypes: [],
        scopes: [jobScope(job.id)],
      })
    } catch (e) {
      // registered meanwhile by a concurrent call; anything else throws
      if (!(await d.auth.getClient(clientId))) throw e
    }
  }
  const lifetime = jobTicketLifetime(job)
  const { token } = await d.grants.startGrant(
    { userId: job.ownerId, clientId, authnEvent: { method: 'job_ticket' }, expiresIn: lifetime },
    { scope: [jobScope(job.id)], expiresIn: lifetime },
    'access_token',
    { expiresIn: lifetime },
  )
  return token.value
}

/**
 * Ends every ticket (and the cookies made from them) of job `jobId` and disables its client, so no new
 * ticket can be minted. For when the job ends. Idempotent; nothing for a job that never had a ticket.
 */
export async function revokeJobTickets(d: JobTicketDeps, jobId: number): Promise<void> {
  const clientId = jobClientId(jobId)
  if (!(await d.auth.getClient(clientId))) return
  await d.auth.disableClient(clientId, d.clock.now())
  await d.grants.revokeClientSignInsOf(clientId)
}

/**
 * The user a ticket (or a cookie made from one) speaks for, and when it expires (ms since the epoch), when
 * it is an active ticket of `job` issued to its owner; null otherwise (unknown, expired, revoked, another job's, or someone else's). The value is
 * looked up by its hash (the grant model), never compared as a string.
 */
export async function checkJobTicket(
  d: Pick<JobTicketDeps, 'tokens'>,
  value: string,
  job: Pick<JobRecord, 'id' | 'ownerId'>,
): Promise<{ userId: string; expiresAt: number | null } | null> {
  if (!value) return null
  const who = await d.tokens.authenticateBearer(value)
  if (!who || who.clientId !== jobClientId(job.id) || !who.scope.includes(jobScope(job.id))) return null
  return who.userId === job.ownerId ? { userId: who.userId, expiresAt: who.expiresAt } : null
}
