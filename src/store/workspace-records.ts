/** The records of the `WorkspaceStore` port: camelCase views of stored rows, JSON fields parsed. */
import type { SandboxHandle } from '../domain/types.js'
import type { JobStatus, WorkspaceStatus } from '../domain/workspaces.js'

/** A file as a workspace's details list it (contents are never stored in the database). */
export interface WorkspaceFileEntry {
  name: string
}

/** A symlink as a workspace's details list it: its name in the workspace and the path it points to. */
export interface WorkspaceSymlinkEntry {
  name: string
  source_path: string
}

/** What was asked for and what the workspace holds now (the HuBMAP `workspace_details`). */
export interface WorkspaceDetails {
  request_workspace_details: { files: WorkspaceFileEntry[]; symlinks: WorkspaceSymlinkEntry[] }
  current_workspace_details: { files: WorkspaceFileEntry[]; symlinks: WorkspaceSymlinkEntry[] }
}

/** A persistent workspace: a directory of one user's files that jobs run on. */
export interface WorkspaceRecord {
  /** Assigned by the store: a positive integer, never reused. */
  id: number
  /** The labgate user who owns it. */
  ownerId: string
  name: string
  description: string
  status: WorkspaceStatus
  /** A job type id, or null. */
  defaultJobType: string | null
  /** Bytes used, as last measured. */
  diskSpace: number
  details: WorkspaceDetails
  /** True for the one workspace a user's workshop sessions mount (created on first use). */
  isDefault: boolean
  /** ms since the epoch. */
  createdAt: number
  lastModifiedAt: number | null
  lastJobLaunchAt: number | null
}

export type NewWorkspace = Omit<WorkspaceRecord, 'id'>

/** The mutable fields of a workspace. */
export type WorkspacePatch = Partial<
  Pick<
    WorkspaceRecord,
    | 'name'
    | 'description'
    | 'status'
    | 'defaultJobType'
    | 'diskSpace'
    | 'details'
    | 'lastModifiedAt'
    | 'lastJobLaunchAt'
  >
>

/** The HuBMAP `job_details`: what was asked for, what is happening now, and measurements. */
export interface JobDetails {
  metrics: Record<string, unknown>
  request_job_details: Record<string, unknown>
  current_job_details: Record<string, unknown>
}

/** A job: a sandbox started on a workspace, with a job type and resource options. */
export interface JobRecord {
  /** Assigned by the store: a positive integer, never reused. */
  id: number
  workspaceId: number
  ownerId: string
  jobType: string
  status: JobStatus
  /** The backend's handle once the sandbox started; null before (and for a job that never launched). */
  handle: SandboxHandle | null
  /** The sandbox's name in the backend (`<portal>-job<id>`), unique forever. */
  sandbox: string
  /** Validated resource options (`num_cpus`, `memory_mb`, `time_limit_minutes`, ...). */
  resourceOptions: Record<string, unknown>
  details: JobDetails
  /** CPU-hours accounted so far (CPUs × hours running). */
  coreHours: number
  createdAt: number
  /** When the sandbox started; null before. */
  startedAt: number | null
  /** When the job ended; null while it lives. */
  endedAt: number | null
}

/**
 * A job to insert. `sandbox` may hold `{id}`, which the store replaces with the new job's id (so the
 * sandbox's name can carry the id, as `<portal>-job{id}`).
 */
export type NewJob = Omit<JobRecord, 'id'>

/** The mutable fields of a job. */
export type JobPatch = Partial<
  Pick<JobRecord, 'status' | 'handle' | 'details' | 'coreHours' | 'startedAt' | 'endedAt'>
>

/** A workspace shared by copy: the sender's original, the recipient's copy, and whether it was accepted. */
export interface ShareRecord {
  /** Assigned by the store: a positive integer, never reused. */
  id: number
  /** The sender's workspace; null once it was deleted. */
  originalWorkspaceId: number | null
  /** The recipient's copy; null once it was deleted. */
  sharedWorkspaceId: number | null
  senderId: string
  recipientId: string
  isAccepted: boolean
  lastResourceOptions: Record<string, unknown>
  lastJobType: string | null
  createdAt: number
}

export type NewShare = Omit<ShareRecord, 'id'>
