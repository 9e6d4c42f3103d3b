/** Mapping between the workspace tables' rows and the `WorkspaceStore` records. */
import type { SandboxHandle } from '../../domain/types.js'
import type { JobStatus, WorkspaceStatus } from '../../domain/workspaces.js'
import type {
  JobPatch,
  JobRecord,
  NewJob,
  NewShare,
  NewWorkspace,
  ShareRecord,
  WorkspacePatch,
  WorkspaceRecord,
} from '../workspace-records.js'
import type { JobsTable, WorkspaceSharesTable, WorkspacesTable } from './schema-workspaces.js'

type Row<T> = { [K in keyof T]: T[K] extends import('kysely').Generated<infer U> ? U : T[K] }

const num = (v: number | string | null): number | null => (v === null ? null : Number(v))

export function toWorkspace(r: Row<WorkspacesTable>): WorkspaceRecord {
  return {
    id: Number(r.id),
    ownerId: r.owner_id,
    name: r.name,
    description: r.description,
    status: r.status as WorkspaceStatus,
    defaultJobType: r.default_job_type,
    diskSpace: Number(r.disk_space),
    details: JSON.parse(r.details),
    isDefault: r.is_default === 1,
    createdAt: Number(r.created_at),
    lastModifiedAt: num(r.last_modified_at),
    lastJobLaunchAt: num(r.last_job_launch_at),
  }
}

export function workspaceRow(w: NewWorkspace): Omit<WorkspacesTable, 'id'> {
  return {
    owner_id: w.ownerId,
    name: w.name,
    description: w.description,
    status: w.status,
    default_job_type: w.defaultJobType,
    disk_space: w.diskSpace,
    details: JSON.stringify(w.details),
    is_default: w.isDefault ? 1 : 0,
    created_at: w.createdAt,
    last_modified_at: w.lastModifiedAt,
    last_job_launch_at: w.lastJobLaunchAt,
  }
}

/** The columns a workspace patch sets (undefined fields left out). */
export function workspacePatchRow(p: WorkspacePatch): Partial<Omit<WorkspacesTable, 'id'>> {
  const row: Partial<Omit<WorkspacesTable, 'id'>> = {}
  if (p.name !== undefined) row.name = p.name
  if (p.description !== undefined) row.description = p.description
  if (p.status !== undefined) row.status = p.status
  if (p.defaultJobType !== undefined) row.default_job_type = p.defaultJobType
  if (p.diskSpace !== undefined) row.disk_space = p.diskSpace
  if (p.details !== undefined) row.details = JSON.stringify(p.details)
  if (p.lastModifiedAt !== undefined) row.last_modified_at = p.lastModifiedAt
  if (p.lastJobLaunchAt !== undefined) row.last_job_launch_at = p.lastJobLaunchAt
  return row
}

export function toJob(r: Row<JobsTable>): JobRecord {
  return {
    id: Number(r.id),
    workspaceId: Number(r.workspace_id),
    ownerId: r.owner_id,
    jobType: r.job_type,
    status: r.status as JobStatus,
    handle: r.handle === null ? null : (JSON.parse(r.handle) as SandboxHandle),
    sandbox: r.sandbox,
    resourceOptions: JSON.parse(r.resource_options),
    details: JSON.parse(r.details),
    coreHours: Number(r.core_hours),
    createdAt: Number(r.created_at),
    startedAt: num(r.started_at),
    endedAt: num(r.ended_at),
  }
}

export function jobRow(j: NewJob): Omit<JobsTable, 'id'> {
  return {
    workspace_id: j.workspaceId,
    owner_id: j.ownerId,
    job_type: j.jobType,
    status: j.status,
    handle: j.handle === null ? null : JSON.stringify(j.handle),
    sandbox: j.sandbox,
    resource_options: JSON.stringify(j.resourceOptions),
    details: JSON.stringify(j.details),
    core_hours: j.coreHours,
    created_at: j.createdAt,
    started_at: j.startedAt,
    ended_at: j.endedAt,
  }
}

/** The columns a job patch sets (undefined fields left out). */
export function jobPatchRow(p: JobPatch): Partial<Omit<JobsTable, 'id'>> {
  const row: Partial<Omit<JobsTable, 'id'>> = {}
  if (p.status !== undefined) row.status = p.status
  if (p.handle !== undefined) row.handle = p.handle === null ? null : JSON.stringify(p.handle)
  if (p.details !== undefined) row.details = JSON.stringify(p.details)
  if (p.coreHours !== undefined) row.core_hours = p.coreHours
  if (p.startedAt !== undefined) row.started_at = p.startedAt
  if (p.endedAt !== undefined) row.ended_at = p.endedAt
  return row
}

export function toShare(r: Row<WorkspaceSharesTable>): ShareRecord {
  return {
    id: Number(r.id),
    originalWorkspaceId: num(r.original_workspace_id),
    sharedWorkspaceId: num(r.shared_workspace_id),
    senderId: r.sender_id,
    recipientId: r.recipient_id,
    isAccepted: r.is_accepted === 1,
    lastResourceOptions: JSON.parse(r.last_resource_options),
    lastJobType: r.last_job_type,
    createdAt: Number(r.created_at),
  }
}

export function shareRow(s: NewShare): Omit<WorkspaceSharesTable, 'id'> {
  return {
    original_workspace_id: s.originalWorkspaceId,
    shared_workspace_id: s.sharedWorkspaceId,
    sender_id: s.senderId,
    recipient_id: s.recipientId,
    is_accepted: s.isAccepted ? 1 : 0,
    last_resource_options: JSON.stringify(s.lastResourceOptions),
    last_job_type: s.lastJobType,
    created_at: s.createdAt,
  }
}
