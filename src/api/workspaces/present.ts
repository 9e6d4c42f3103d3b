/**
 * Workspaces and jobs on the wire, field for field as the HuBMAP server's `get_dict_fields()` give them:
 * times as ISO-8601 with milliseconds and `Z` (null when unset), ids as numbers, `core_hours` as the
 * Decimal(10,5) string the original's GETs return.
 */
import type { z } from 'zod'
import { jobTimeLeft, resourceJobId } from '../../domain/workspaces.js'
import type { JobRecord, WorkspaceRecord } from '../../store/workspace-records.js'
import type { JobWire, WorkspaceWire } from './wire.js'

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())

/** A workspace as `data.workspace` / `data.workspaces[]`. */
export function presentWorkspace(ws: WorkspaceRecord): z.infer<typeof WorkspaceWire> {
  return {
    id: ws.id,
    name: ws.name,
    description: ws.description,
    disk_space: ws.diskSpace,
    datetime_created: iso(ws.createdAt),
    datetime_last_modified: iso(ws.lastModifiedAt),
    datetime_last_job_launch: iso(ws.lastJobLaunchAt),
    workspace_details: ws.details,
    status: ws.status,
    default_job_type: ws.defaultJobType,
  }
}

/**
 * A job as `data.job` / `data.jobs[]`: `resource_job_id` is -1 until its sandbox started (then the Slurm
 * job's id for a job on Slurm); with `now`, a running job with a time limit has `time_left` (seconds) in
 * its `current_job_details`.
 */
export function presentJob(job: JobRecord, now?: number): z.infer<typeof JobWire> {
  const left = now === undefined ? null : jobTimeLeft(job, now)
  return {
    id: job.id,
    workspace_id: job.workspaceId,
    resource_job_id: resourceJobId(job),
    job_type: job.jobType,
    status: job.status,
    datetime_created: iso(job.createdAt),
    datetime_start: iso(job.startedAt),
    datetime_end: iso(job.endedAt),
    core_hours: job.coreHours.toFixed(5),
    job_details:
      left === null
        ? job.details
        : {
            ...job.details,
            current_job_details: { ...job.details.current_job_details, time_left: left },
          },
  }
}
