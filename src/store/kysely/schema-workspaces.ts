/**
 * Tables of workspaces, jobs and shares, created by `migrations/006-workspaces.ts`. Same conventions as
 * `schema.ts`: times are integer ms since the epoch, booleans 0/1, JSON as text; ids are integers.
 */
import type { Generated } from 'kysely'

export interface WorkspacesTable {
  id: Generated<number>
  owner_id: string
  name: string
  description: string
  /** One of `WORKSPACE_STATUSES`. */
  status: string
  default_job_type: string | null
  disk_space: number
  /** JSON `WorkspaceDetails`. */
  details: string
  /** 1 for the user's default workspace (at most one per user). */
  is_default: number
  created_at: number
  last_modified_at: number | null
  last_job_launch_at: number | null
}

export interface JobsTable {
  id: Generated<number>
  workspace_id: number
  owner_id: string
  job_type: string
  /** One of `JOB_STATUSES`. */
  status: string
  /** The backend's `SandboxHandle` as JSON; null until the sandbox started. */
  handle: string | null
  /** The sandbox's name, unique forever. */
  sandbox: string
  /** JSON object of validated resource options. */
  resource_options: string
  /** JSON `JobDetails`. */
  details: string
  core_hours: number
  created_at: number
  started_at: number | null
  ended_at: number | null
}

export interface WorkspaceSharesTable {
  id: Generated<number>
  original_workspace_id: number | null
  shared_workspace_id: number | null
  sender_id: string
  recipient_id: string
  is_accepted: number
  /** JSON object. */
  last_resource_options: string
  last_job_type: string | null
  created_at: number
}

export interface WorkspaceTables {
  workspaces: WorkspacesTable
  jobs: JobsTable
  workspace_shares: WorkspaceSharesTable
}
