import type { IncomingHttpHeaders } from 'node:http'
import { mayEnterJob } from '../broker/policies.js'
import type { UserKind } from '../domain/types.js'
import { bearerToken } from '../http/bearer.js'
import type { Authenticator } from '../http/authenticator.js'
import { AUTH_COOKIE, cookieFrom } from '../http/cookies.js'
import type { Store } from '../store/store.js'
import type { JobRecord } from '../store/workspace-records.js'
import type { WorkspaceStore } from '../store/workspace-store.js'
import { portalStaff } from './access.js'
import { checkJobTicket, type JobTicketDeps } from './job-tickets.js'

/** The cookie that holds a job's ticket once the browser entered it (path- or host-scoped to the job). */
export const JOB_COOKIE = 'labgate_job'

/** What deciding access to a job needs. */
export interface JobAccessDeps extends Pick<JobTicketDeps, 'tokens'> {
  workspaces: Pick<WorkspaceStore, 'getJob'>
  store: Pick<Store, 'getUser'>
  /** The portal's sign-in (staff enter any job with it). */
  authenticator: Pick<Authenticator, 'bearer' | 'browserSession'>
}

/** Who is using a job through the gateway. */
export interface JobAccess {
  job: JobRecord
  userId: string
  kind: UserKind
}

/**
 * Why the gateway refused: no credential at all (`unauthenticated`), no such job or one that has ended
 * (`not_found`), or a credential that is not this job's owner's nor staff's (`forbidden`).
 */
export type JobRefusal = 'unauthenticated' | 'not_found' | 'forbidden'

/** Jobs whose web UI may be opened: a job that is stopping or has ended is gone for the browser. */
const OPEN_STATUSES: readonly string[] = ['pending', 'running']

/**
 * Decides whether a request (HTTP or a WebSocket upgrade: only its headers are needed) may use job
 * `jobId`'s web UI, with `ticket` (an entry URL's `labgate_ticket`) or else the job's cookie, or as staff
 * signed in to the portal (cookie or bearer). Checked in this order: no credential of any kind →
 * `unauthenticated`; the job unknown, stopping or ended → `not_found`; the ticket or cookie is an active
 * ticket of this job issued to its owner (`checkJobTicket`), or the caller is staff → allowed; anything
 * else → `forbidden`. A ticket that is given but wrong is never made up for by the cookie. Never throws for
 * a refusal.
 */
export async function checkJobAccess(
  d: JobAccessDeps,
  headers: IncomingHttpHeaders,
  jobId: number,
  ticket: string | null = null,
): Promise<JobAccess | { refused: JobRefusal }> {
  const credential = ticket ?? cookieFrom(headers.cookie, JOB_COOKIE)
  const portal = bearerToken(headers.authorization) ?? cookieFrom(headers.cookie, AUTH_COOKIE)
  if (credential === null && !portal) return { refused: 'unauthenticated' }
  const job = await d.workspaces.getJob(jobId)
  if (!job || !OPEN_STATUSES.includes(job.status)) return { refused: 'not_found' }
  const who =
    (credential !== null ? await ticketHolder(d, credential, job) : null) ??
    (ticket === null ? await staffOf(d, headers) : null)
  if (!who || !mayEnterJob(who, job)) return { refused: 'forbidden' }
  return { job, ...who }
}

async function ticketHolder(d: JobAccessDeps, credential: string, job: JobRecord) {
  const owner = await checkJobTicket(d, credential, job)
  if (!owner) return null
  return { userId: owner.userId, kind: (await d.store.getUser(owner.userId))?.kind ?? 'anonymous' }
}

async function staffOf(d: JobAccessDeps, headers: IncomingHttpHeaders) {
  const staff = await portalStaff(d.authenticator, d.store, headers)
  return staff ? { userId: staff, kind: 'staff' as const } : null
}
