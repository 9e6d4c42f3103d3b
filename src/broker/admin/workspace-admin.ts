import { badRequest, LabgateError, notFound } from '../../domain/errors.js'
import { jobDeadline, LIVE_JOB_STATUSES } from '../../domain/workspaces.js'
import type { JobRecord, WorkspaceRecord } from '../../store/workspace-records.js'
import type { JobDeps } from '../workspaces/jobs/deps.js'
import { stopJob } from '../workspaces/jobs/stop-job.js'
import type { Store } from '../../store/store.js'
import type { AdminDeps } from './admin-deps.js'
import { auditStaffAction } from './audit-action.js'
import { ownerNames } from './owner-names.js'

/** Rows per page of each list of the Workspaces page (the newest first). */
export const WORKSPACE_ROWS = 100

/** A live job as the console lists it. */
export interface LiveJobRow {
  job: JobRecord
  /** When its running time ends (`started` + `time_limit_minutes`); null before it started or unlimited. */
  deadline: number | null
}

/** Where each list of the Workspaces page starts: below these ids (absent: the newest). */
export interface WorkspacesPaging {
  jobsBefore?: number
  workspacesBefore?: number
}

/** What the Workspaces page shows: a page of live jobs, then a page of workspaces, with their owners. */
export interface WorkspacesOverview {
  jobs: LiveJobRow[]
  /** Where the next (older) page of live jobs starts; null on the last page. */
  olderJobs: number | null
  workspaces: WorkspaceRecord[]
  /** Where the next (older) page of workspaces starts; null on the last page. */
  olderWorkspaces: number | null
  /** The owners' names, by user id (see `ownerNames`). */
  owners: ReadonlyMap<string, string>
  paging: WorkspacesPaging
}

/** A job's or workspace's id as a path or query gives it: a positive integer, safe in JavaScript. */
const ID = /^[1-9][0-9]{0,14}$/

const id = (name: string, v: unknown): number | undefined => {
  const text = Array.isArray(v) ? v[v.length - 1] : v
  if (text === undefined || text === '') return undefined
  if (typeof text !== 'string' || !ID.test(text))
    throw badRequest(`${name} must be a positive whole number (a page link's), got ${JSON.stringify(text)}.`)
  return Number(text)
}

/** Reads the page's `jobs_before` and `workspaces_before`. Throws `bad_request` for anything but ids. */
export function parseWorkspacesPaging(q: Record<string, unknown>): WorkspacesPaging {
  const jobsBefore = id('jobs_before', q.jobs_before)
  const workspacesBefore = id('workspaces_before', q.workspaces_before)
  return {
    ...(jobsBefore !== undefined ? { jobsBefore } : {}),
    ...(workspacesBefore !== undefined ? { workspacesBefore } : {}),
  }
}

/** The first `WORKSPACE_ROWS` of `rows` (read one more) and where the next page starts. */
const onePage = <T extends { id: number }>(rows: T[]) => ({
  rows: rows.slice(0, WORKSPACE_ROWS),
  older: rows.length > WORKSPACE_ROWS ? rows[WORKSPACE_ROWS - 1]!.id : null,
})

/**
 * A page of the live jobs (pending, running, stopping) and a page of the workspaces of every user, each
 * the newest first from where `paging` says, {@link WORKSPACE_ROWS} at most, with their owners' names
 * (three bounded queries).
 */
export async function workspacesOverview(
  d: Pick<JobDeps, 'workspaces'>,
  users: Pick<Store, 'getUsers'>,
  paging: WorkspacesPaging = {},
): Promise<WorkspacesOverview> {
  const page = (before: number | undefined) => ({
    newest: true,
    limit: WORKSPACE_ROWS + 1,
    ...(before !== undefined ? { before } : {}),
  })
  const [jobRows, workspaceRows] = await Promise.all([
    d.workspaces.listJobs({ status: [...LIVE_JOB_STATUSES] }, page(paging.jobsBefore)),
    d.workspaces.listWorkspaces({}, page(paging.workspacesBefore)),
  ])
  const jobs = onePage(jobRows)
  const workspaces = onePage(workspaceRows)
  return {
    jobs: jobs.rows.map((job) => {
      const limit = job.resourceOptions.time_limit_minutes
      return {
        job,
        deadline:
          job.startedAt === null
            ? null
            : jobDeadline(job.startedAt, typeof limit === 'number' ? limit : undefined),
      }
    }),
    olderJobs: jobs.older,
    workspaces: workspaces.rows,
    olderWorkspaces: workspaces.older,
    owners: await ownerNames(
      users,
      [...jobs.rows, ...workspaces.rows].map((r) => r.ownerId),
    ),
    paging,
  }
}

/** Reads a job id from a path. Throws `bad_request` for anything but a positive integer. */
export function parseJobId(raw: string | undefined): number {
  const id = ID.test(raw ?? '') ? Number(raw) : NaN
  if (!Number.isSafeInteger(id)) throw badRequest('The job id must be a positive integer.')
  return id
}

/**
 * Staff stop job `jobId` through {@link stopJob}, acting for its owner. Returns the message to show.
 * Throws `not_found` for no such job and `bad_request` for one that is stopping or has ended; either way
 * nothing changes and the attempt is audited (`admin.job.stop`, `refused`); a stop is audited `ok`.
 */
export async function stopJobAsStaff(
  a: Pick<AdminDeps, 'audit' | 'broker'>,
  d: JobDeps,
  staffId: string,
  jobId: number,
): Promise<string> {
  const job = await d.workspaces.getJob(jobId)
  const audit = {
    kind: 'admin.job.stop' as const,
    staffId,
    data: { job: jobId, owner: job?.ownerId ?? null },
  }
  try {
    if (!job) throw notFound(`There is no job ${jobId} on this portal.`)
    const r = await stopJob(d, job.ownerId, jobId)
    await auditStaffAction(a, { ...audit, outcome: 'ok', data: { ...audit.data, status: r.job.status } })
    return `Job ${jobId} of ${job.ownerId}: ${r.message}`
  } catch (e) {
    if (!(e instanceof LabgateError)) throw e
    const reason =
      e.code === 'bad_request' ? `Job ${jobId} is not running or pending: nothing to stop.` : e.message
    await auditStaffAction(a, { ...audit, outcome: 'refused', reason })
    throw e.code === 'bad_request' ? badRequest(reason) : e
  }
}
