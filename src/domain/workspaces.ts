/**
 * Workspaces and the jobs that run on them: their statuses (exactly the HuBMAP user-workspaces server's,
 * which its clients validate strictly) and the pure rules about them.
 */

/** A workspace's statuses, as the HuBMAP portal accepts them. */
export const WORKSPACE_STATUSES = ['initializing', 'idle', 'active', 'deleting', 'error'] as const
export type WorkspaceStatus = (typeof WORKSPACE_STATUSES)[number]

/** A job's statuses, as the HuBMAP portal accepts them. */
export const JOB_STATUSES = ['pending', 'running', 'stopping', 'complete', 'failed'] as const
export type JobStatus = (typeof JOB_STATUSES)[number]

/** Jobs that hold their sandbox (or are about to): a workspace with one of these is `active`. */
export const LIVE_JOB_STATUSES: readonly JobStatus[] = ['pending', 'running', 'stopping']

/** Jobs that have ended for good. */
export const ENDED_JOB_STATUSES: readonly JobStatus[] = ['complete', 'failed']

/** True for a status string of {@link WORKSPACE_STATUSES}. */
export const isWorkspaceStatus = (s: string): s is WorkspaceStatus =>
  (WORKSPACE_STATUSES as readonly string[]).includes(s)

/** True for a status string of {@link JOB_STATUSES}. */
export const isJobStatus = (s: string): s is JobStatus => (JOB_STATUSES as readonly string[]).includes(s)

/**
 * What stopping a job in `status` does, as the original answers: a job that never launched ends at once
 * (`complete`, "Successful stop."); a launched pending or running one is queued to stop (`stopping`, "Job
 * queued to stop."); one that is stopping or has ended is refused ("This job is not running or pending.").
 */
export function stopOutcome(status: JobStatus, launched: boolean): 'end_now' | 'queue' | 'refuse' {
  if (status === 'pending' || status === 'running') return launched ? 'queue' : 'end_now'
  return 'refuse'
}

/** The answers of {@link stopOutcome}, word for word as the HuBMAP clients compare them. */
export const STOP_MESSAGES = {
  end_now: 'Successful stop.',
  queue: 'Job queued to stop.',
  refuse: 'This job is not running or pending.',
} as const

/** A workspace's status given its jobs' statuses: `active` while one lives, else `idle` (others are kept). */
export function workspaceStatusFor(current: WorkspaceStatus, jobs: readonly JobStatus[]): WorkspaceStatus {
  if (current !== 'idle' && current !== 'active') return current
  return jobs.some((s) => LIVE_JOB_STATUSES.includes(s)) ? 'active' : 'idle'
}

/**
 * CPU-hours a job used: its CPUs times the hours from `startedAt` to `until` (0 before it started). Pure.
 */
export function coreHours(cpus: number, startedAt: number | null, until: number): number {
  if (startedAt === null || until <= startedAt) return 0
  return (cpus * (until - startedAt)) / 3_600_000
}

/**
 * When a job started at `startedAt` with a time limit of `minutes` must stop (ms), or null without a limit
 * (absent, 0 or negative). Pure.
 */
export function jobDeadline(startedAt: number, minutes: number | undefined): number | null {
  return minutes && minutes > 0 ? startedAt + minutes * 60_000 : null
}

/**
 * Seconds a running job has left before its time limit (`time_left` of its `current_job_details`, as the
 * HuBMAP server reports it for Slurm jobs), at `now`; null for a job that is not running or has no
 * limit. Pure.
 */
export function jobTimeLeft(
  job: { status: string; startedAt: number | null; resourceOptions: Record<string, unknown> },
  now: number,
): number | null {
  const minutes = job.resourceOptions.time_limit_minutes
  if (job.status !== 'running' || job.startedAt === null || typeof minutes !== 'number') return null
  const deadline = jobDeadline(job.startedAt, minutes)
  return deadline === null ? null : Math.max(0, Math.floor((deadline - now) / 1000))
}

/**
 * The job's `resource_job_id`: the id its resource knows it by. The Slurm job's id for a job on Slurm
 * (its handle's `job`), else labgate's own job id; -1 until its sandbox started. Pure.
 */
export function resourceJobId(job: {
  id: number
  handle: { backend: string; job?: unknown } | null
}): number {
  if (!job.handle) return -1
  const slurmJob = job.handle.job
  return job.handle.backend === 'slurm' && Number.isSafeInteger(slurmJob) ? (slurmJob as number) : job.id
}

/**
 * Whether a user's workshop sessions mount their default workspace: users who come back as themselves
 * (registered users, and users of the workspaces API, who have a username), never a passing visitor,
 * staff or a robot.
 */
export function keepsWorkspace(user: { kind: string; username: string | null }): boolean {
  return user.kind === 'registered' || (user.kind === 'anonymous' && user.username !== null)
}
