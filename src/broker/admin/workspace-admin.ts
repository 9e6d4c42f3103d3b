import { badRequest, LabgateError, notFound } from '../../domain/errors.js'
import { jobDeadline, LIVE_JOB_STATUSES } from '../../domain/workspaces.js'
import type { JobRecord, WorkspaceRecord } from '../../store/workspace-records.js'
import type { JobDeps } from '../workspaces/jobs/deps.js'
import { stopJob } from '../workspaces/jobs/stop-job.js'
import type { AdminDeps } from './admin-deps.js'
import { auditStaffAction } from './audit-action.js'

/** Rows shown per list of the Workspaces page at most (the newest first). */
export const WORKSPACE_ROWS = 100

/** A live job as the console lists it. */
export interface LiveJobRow {
  job: JobRecord
  /** When its running time ends (`started` + `time_limit_minutes`); null before it started or unlimited. */
  deadline: number | null
}

/** What the Workspaces page shows: live jobs, then workspaces, each capped at {@link WORKSPACE_ROWS}. */
export interface WorkspacesOverview {
  jobs: LiveJobRow[]
  /** True when more live jobs exist than are listed. */
  moreJobs: boolean
  workspaces: WorkspaceRecord[]
  /** True when more workspaces exist than are listed. */
  moreWorkspaces: boolean
}

/**
 * The live jobs (pending, running, stopping) and the workspaces of every user, the newest first, at most
 * {@link WORKSPACE_ROWS} of each (one bounded query per list).
 */
export async function workspacesOverview(d: Pick<JobDeps, 'workspaces'>): Promise<WorkspacesOverview> {
  const page = { newest: true, limit: WORKSPACE_ROWS + 1 }
  const [jobs, workspaces] = await Promise.all([
    d.workspaces.listJobs({ status: [...LIVE_JOB_STATUSES] }, page),
    d.workspaces.listWorkspaces({}, page),
  ])
  return {
    jobs: jobs.slice(0, WORKSPACE_ROWS).map((job) => {
      const limit = job.resourceOptions.time_limit_minutes
      return {
        job,
        deadline:
          job.startedAt === null
            ? null
            : jobDeadline(job.startedAt, typeof limit === 'number' ? limit : undefined),
      }
    }),
    moreJobs: jobs.length > WORKSPACE_ROWS,
    workspaces: workspaces.slice(0, WORKSPACE_ROWS),
    moreWorkspaces: workspaces.length > WORKSPACE_ROWS,
  }
}

/** Reads a job id from a path. Throws `bad_request` for anything but a positive integer. */
export function parseJobId(raw: string | undefined): number {
  const id = /^[1-9][0-9]{0,14}$/.test(raw ?? '') ? Number(raw) : NaN
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
