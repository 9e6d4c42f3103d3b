import {
  LIVE_JOB_STATUSES,
  coreHours,
  workspaceStatusFor,
  type JobStatus,
} from '../../../domain/workspaces.js'
import type { JobRecord } from '../../../store/workspace-records.js'
import type { WorkspaceDeps } from '../deps.js'
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
  const ended = await d.workspaces.updateJob(
    job.id,
    {
      status,
      endedAt: now,
      coreHours: coreHours(cpus, job.startedAt, now),
      details: { ...job.details, current_job_details: { message } },
    },
    [...from],
  )
  if (!ended) return null
  await refreshWorkspaceStatus(d, job.workspaceId)
  d.changes.emit(ended)
  await d.entry
    ?.close(job.id)
    .catch((e: unknown) => d.log(`job ${job.id}: its entry could not be closed: ${(e as Error).message}`))
  return ended
}

/**
 * Sets workspace `id` `active` while one of its jobs is pending, running or stopping, `idle` otherwise
 * (a workspace initializing, deleting or in error keeps its status). No-op for a workspace that is gone.
 */
export async function refreshWorkspaceStatus(d: WorkspaceDeps, id: number): Promise<void> {
  await d.workspaces.transaction(async (tx) => {
    const ws = await tx.getWorkspace(id)
    if (!ws) return
    const live = await tx.listJobs({ workspaceId: id, status: [...LIVE_JOB_STATUSES] })
    const next = workspaceStatusFor(
      ws.status,
      live.map((j) => j.status),
    )
    if (next !== ws.status) await tx.updateWorkspace(id, { status: next }, ['idle', 'active'])
  })
}
