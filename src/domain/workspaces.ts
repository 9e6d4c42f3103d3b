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
