/**
 * The workspace and job use cases, as the workspaces API (`src/api/workspaces/`) and the dashboard call
 * them. Each takes the deps, the calling user's id and a parsed input; each throws the typed errors of
 * `domain/errors.ts` with the messages the HuBMAP user-workspaces server answers (`bad_request` 400,
 * `unauthenticated` 401, `forbidden` 403, `not_found` 404, `unprocessable` 422, `payload_too_large` 413).
 * A workspace or job of another user is `not_found` (never revealed).
 */
import type { Readable } from 'node:stream'
import type { JobParameterDef, JobTypeDef } from '../../config/types.js'
import type { JobStatus, WorkspaceStatus } from '../../domain/workspaces.js'
import type { User } from '../../store/rows.js'
import type { JobRecord, ShareRecord, WorkspaceRecord } from '../../store/workspace-records.js'
import type { WorkspaceDeps } from './deps.js'

export type { WorkspaceDeps }

const todo = (): never => {
  throw new Error('not implemented yet')
}

/** A file of a create or update: content optional (an empty file). */
export interface FileSpec {
  name: string
  content?: string
}
/** A symlink of a create or update: `source_path` (or its alias `path`) is an absolute path under a data root. */
export interface SymlinkSpec {
  name: string
  source_path: string
}

export interface CreateWorkspaceInput {
  name: string
  description: string
  defaultJobType?: string | null
  files: FileSpec[]
  symlinks: SymlinkSpec[]
}

export interface UpdateWorkspaceInput {
  name?: string
  description?: string
  defaultJobType?: string | null
  files?: FileSpec[]
  symlinks?: SymlinkSpec[]
}

export interface StartJobInput {
  jobType?: string
  jobDetails?: Record<string, unknown>
  resourceOptions?: Record<string, unknown>
}

/** `POST /tokens/` (local mode): the API client's token and the user to sign in (created when new). */
export interface TokenExchangeInput {
  clientToken: string
  username: string
  email: string
}

/**
 * Exchanges an API client's token for a workspaces token of the user `username` (created with `email`
 * when new): `unauthenticated` ("Incorrect authentication credentials.") when the client token is not an
 * active token of a robot client or of a client granted the `workspaces` scope. Returns the token value.
 */
export const exchangeToken = (_d: WorkspaceDeps, _i: TokenExchangeInput): Promise<string> => todo()

/** The user behind a workspaces token (`UWS-Authorization: Token <key>` or `Bearer`), or null. */
export const authenticateToken = (_d: WorkspaceDeps, _token: string): Promise<{ userId: string } | null> =>
  todo()

/** The caller's workspaces (not un-accepted incoming shares), filtered exactly, by id. */
export const listWorkspaces = (
  _d: WorkspaceDeps,
  _userId: string,
  _filter: { name?: string; description?: string; status?: WorkspaceStatus },
): Promise<WorkspaceRecord[]> => todo()

/** One of the caller's workspaces, or null. */
export const getWorkspace = (
  _d: WorkspaceDeps,
  _userId: string,
  _id: number,
): Promise<WorkspaceRecord | null> => todo()

/** Creates a workspace with its files and symlinks; `idle` when done. */
export const createWorkspace = (
  _d: WorkspaceDeps,
  _userId: string,
  _i: CreateWorkspaceInput,
): Promise<WorkspaceRecord> => todo()

/** Renames, describes, sets the default job type, adds files and symlinks. */
export const updateWorkspace = (
  _d: WorkspaceDeps,
  _userId: string,
  _id: number,
  _i: UpdateWorkspaceInput,
): Promise<WorkspaceRecord> => todo()

/** Writes uploaded files (each a stream) into the workspace; resolves with their names. */
export const uploadFiles = (
  _d: WorkspaceDeps,
  _userId: string,
  _id: number,
  _files: AsyncIterable<{ name: string; content: Readable }>,
): Promise<string[]> => todo()

/** Marks the workspace `deleting` and removes it in the background; refused while jobs run or shares are pending. */
export const deleteWorkspace = (_d: WorkspaceDeps, _userId: string, _id: number): Promise<void> => todo()

/** Starts a job on one of the caller's workspaces; resolves with it (`pending`). */
export const startJob = (
  _d: WorkspaceDeps,
  _userId: string,
  _workspaceId: number,
  _i: StartJobInput,
): Promise<JobRecord> => todo()

/** The caller's jobs, filtered, by id. */
export const listJobs = (
  _d: WorkspaceDeps,
  _userId: string,
  _filter: { workspaceId?: number; jobType?: string; status?: JobStatus },
): Promise<JobRecord[]> => todo()

/** One of the caller's jobs, or null. */
export const getJob = (_d: WorkspaceDeps, _userId: string, _id: number): Promise<JobRecord | null> => todo()

/**
 * Stops one of the caller's jobs: `stopped` for a job that never launched (now `complete`), `queued` for
 * a running one (now `stopping`); `bad_request` "This job is not running or pending." when it has ended.
 */
export const stopJob = (_d: WorkspaceDeps, _userId: string, _id: number): Promise<'stopped' | 'queued'> =>
  todo()

/** The configured job types. */
export const jobTypes = (d: WorkspaceDeps): JobTypeDef[] => d.settings.jobTypes

/** The resource options jobs accept. */
export const jobParameters = (d: WorkspaceDeps): JobParameterDef[] => d.settings.parameters

/** Users whose "first last", username or email contains `query` (case-insensitive), not the caller. */
export const searchUsers = (_d: WorkspaceDeps, _userId: string, _query: string): Promise<User[]> => todo()

/** A share with both workspaces and both users resolved (either workspace may be gone: null). */
export interface ShareView {
  share: ShareRecord
  original: WorkspaceRecord | null
  shared: WorkspaceRecord | null
  sender: User | null
  recipient: User | null
}

/** Shares the caller sent (`original`) and received (`shared`). */
export const listShares = (
  _d: WorkspaceDeps,
  _userId: string,
): Promise<{ sent: ShareView[]; received: ShareView[] }> => todo()

/** One share the caller sent or received, or null. */
export const getShare = (_d: WorkspaceDeps, _userId: string, _id: number): Promise<ShareView | null> => todo()

/** Shares one of the caller's workspaces with users by copy: one share (and copy) per recipient. */
export const createShares = (
  _d: WorkspaceDeps,
  _userId: string,
  _i: { originalWorkspaceId: number; sharedUserIds: string[] },
): Promise<ShareView[]> => todo()

/** The recipient accepts a share. */
export const acceptShare = (_d: WorkspaceDeps, _userId: string, _id: number): Promise<void> => todo()

/** The sender withdraws or the recipient declines a share, only before acceptance; the copy is deleted. */
export const deleteShare = (_d: WorkspaceDeps, _userId: string, _id: number): Promise<void> => todo()

/** Each part's health for `GET /status/`. */
export const workspaceStatus = (
  _d: WorkspaceDeps,
): Promise<{ version: string; parts: Record<string, { connected: boolean; message: string }> }> => todo()
