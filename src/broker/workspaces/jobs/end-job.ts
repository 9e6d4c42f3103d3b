import {
  LIVE_JOB_STATUSES,
  coreHours,
  workspaceStatusFor,
  type JobStatus,
} from '../../../domain/workspaces.js'
import type { JobRecord } from '../../../store/workspace-records.js'
import type { WorkspaceStore } from '../../../store/workspace-store.js'
import type { JobDeps } from './deps.js'

/**
 * Ends a live job for good: `status` (`complete` or `failed`), `endedAt` now, its core hours accounted
 * (`num_cpus` × hours since it started), `current_job_details.message` set to `message`; then its
 * workspace's status follows its jobs. Conditional: a job whose status is no longer one of `from` (by
 * default pending, running or stopping: ended meanwhile by someone else) is left alone and null returned.
 * Announces the change.
 */
export async function endJob(
  d: JobDeps,
  job: JobRecord,
  status: 'complete' | 'failed',
  message: string,
  from: readonly JobStatus[] = LIVE_JOB_STATUSES,
): Promise<JobRecord | null> {
  const now = d.clock.now()
  const cpus = typeof job.resourceOptions.num_cpus === 'number' ? job.resourceOptions.num_cpus : 1
  // The job's end and its workspace's status land in one commit: no reader sees the job ended while its
  // workspace is still active, and a crash between them cannot leave the workspace active for good.
  const ended = await d.workspaces.transaction(async (tx) => {
    const row = await tx.updateJob(
      job.id,
      {
        status,
        endedAt: now,
        coreHours: coreHours(cpus, job.startedAt, now),
        details: { ...job.details, current_job_details: { message } },
      },
      [...from],
    )
    if (row) await followJobs(tx, job.workspaceId)
    return row
  })
  if (!ended) return null
  d.changes.emit(ended)
  await d.entry
    ?.close(job.id)
    .catch((e: unknown) => d.log(`job ${job.id}: its entry could not be closed: ${(e as Error).message}`))
  return ended
}

/**
 * Sets workspace `id` `active` while one of its jobs is pending, running or stopping, `idle` otherwise
 * (a workspace initializing, deleting or in error keeps its status), inside the transaction `tx`. No-op
 * for a workspace that is gone.
 */
async function followJobs(tx: WorkspaceStore, id: number): Promise<void> {
  const ws = await tx.getWorkspace(id)
  if (!ws) return
  const live = await tx.listJobs({ workspaceId: id, status: [...LIVE_JOB_STATUSES] })
  const next = workspaceStatusFor(
    ws.status,
    live.map((j) => j.status),
  )
  if (next !== ws.status) await tx.updateWorkspace(id, { status: next }, ['idle', 'active'])
}
