/**
 * The port for workspaces, their jobs and shares. Implementations: Kysely over SQLite and PostgreSQL
 * (`kysely/kysely-workspace-store.ts`); every one passes `test/conformance/workspace-store.suite.ts`.
 *
 * "Conditional" methods take `ifStatus` and change nothing (returning null) when the row's status is not
 * one of it; "not found" is null, never an error. Ids are integers assigned by the store, never reused.
 */
import type { JobStatus, WorkspaceStatus } from '../domain/workspaces.js'
import type {
  JobPatch,
  JobRecord,
  NewJob,
  NewShare,
  NewWorkspace,
  ShareRecord,
  WorkspacePatch,
  WorkspaceRecord,
} from './workspace-records.js'

/** Filters of {@link WorkspaceStore.listWorkspaces}; absent fields do not filter. Exact matches. */
export interface WorkspaceFilter {
  ownerId?: string
  name?: string
  description?: string
  status?: WorkspaceStatus[]
  ids?: number[]
  isDefault?: boolean
}

/** Filters of {@link WorkspaceStore.listJobs}; absent fields do not filter. */
export interface JobFilter {
  ownerId?: string
  workspaceId?: number
  jobType?: string
  status?: JobStatus[]
}

/**
 * Ordering and paging of a list: by id ascending (`newest`: descending), at most `limit` rows when given,
 * only ids below `before` when given (the next page of a list read newest first).
 */
export interface ListPage {
  newest?: boolean
  limit?: number
  before?: number
}

export interface WorkspaceStore {
  /** Runs `fn` in one transaction: all of its writes land or none do. Nested calls reuse it. */
  transaction<T>(fn: (tx: WorkspaceStore) => Promise<T>): Promise<T>

  /** Inserts a workspace and returns it with its new id. */
  createWorkspace(w: NewWorkspace): Promise<WorkspaceRecord>
  getWorkspace(id: number): Promise<WorkspaceRecord | null>
  /** Matching workspaces, ordered and paged by `page`. */
  listWorkspaces(filter?: WorkspaceFilter, page?: ListPage): Promise<WorkspaceRecord[]>
  /**
   * Applies `patch` (undefined fields unchanged); conditional on `ifStatus` when given. Returns the
   * updated row, or null when it does not exist or its status is not in `ifStatus`.
   */
  updateWorkspace(
    id: number,
    patch: WorkspacePatch,
    ifStatus?: WorkspaceStatus[],
  ): Promise<WorkspaceRecord | null>
  /** Deletes the workspace row (its jobs go with it; shares keep a null reference). True when one was deleted. */
  deleteWorkspace(id: number): Promise<boolean>

  /** Inserts a job and returns it with its new id. */
  createJob(j: NewJob): Promise<JobRecord>
  getJob(id: number): Promise<JobRecord | null>
  /** Matching jobs, ordered and paged by `page`. */
  listJobs(filter?: JobFilter, page?: ListPage): Promise<JobRecord[]>
  /** As {@link updateWorkspace}, for jobs. */
  updateJob(id: number, patch: JobPatch, ifStatus?: JobStatus[]): Promise<JobRecord | null>

  /** Inserts a share and returns it with its new id. */
  createShare(s: NewShare): Promise<ShareRecord>
  getShare(id: number): Promise<ShareRecord | null>
  /** Shares sent by `senderId` or received by `recipientId` (either, when both are given), by id ascending. */
  listShares(filter: {
    senderId?: string
    recipientId?: string
    workspaceId?: number
  }): Promise<ShareRecord[]>
  /** Marks a share accepted; returns it, or null when it does not exist or was already accepted. */
  acceptShare(id: number): Promise<ShareRecord | null>
  /** Deletes a share row; true when one was deleted. */
  deleteShare(id: number): Promise<boolean>
}
