import { badRequest } from '../../domain/errors.js'
import type { WorkspaceRecord } from '../../store/workspace-records.js'
import type { WorkspaceDeps } from './deps.js'
import { detailEntries, storageInputs, type FileSpec, type SymlinkSpec } from './workspace-input.js'

export interface CreateWorkspaceInput {
  name: string
  description: string
  defaultJobType?: string | null
  files?: FileSpec[]
  symlinks?: SymlinkSpec[]
  /** The user's default workspace (the one workshop sessions mount). */
  isDefault?: boolean
}

/**
 * Creates a workspace of `userId` with its files and symlinks: `initializing` while they are written, then
 * `idle` with its disk space measured. Throws `bad_request` for an unknown default job type, a bad file or
 * symlink name or target, `payload_too_large` past the quota; on any error nothing is left behind (no row,
 * no directory).
 */
export async function createWorkspace(
  d: WorkspaceDeps,
  userId: string,
  i: CreateWorkspaceInput,
): Promise<WorkspaceRecord> {
  assertJobType(d, i.defaultJobType)
  const { files, links } = storageInputs(i.files ?? [], i.symlinks ?? [])
  const requested = detailEntries(files, links)
  const now = d.clock.now()
  const created = await d.workspaces.createWorkspace({
    ownerId: userId,
    name: i.name,
    description: i.description,
    status: 'initializing',
    defaultJobType: i.defaultJobType ?? null,
    diskSpace: 0,
    details: {
      request_workspace_details: requested,
      current_workspace_details: { files: [], symlinks: [] },
    },
    isDefault: i.isDefault ?? false,
    createdAt: now,
    lastModifiedAt: now,
    lastJobLaunchAt: null,
  })
  const ref = { ownerId: userId, id: created.id }
  try {
    await d.storage.create(ref)
    await d.storage.writeFiles(ref, files, d.settings.quota)
    await d.storage.addSymlinks(ref, links)
    const usage = await d.storage.usage(ref)
    const done = await d.workspaces.updateWorkspace(created.id, {
      status: 'idle',
      diskSpace: usage.bytes,
      details: { request_workspace_details: requested, current_workspace_details: requested },
    })
    return done ?? created
  } catch (err) {
    await d.storage
      .remove(ref)
      .catch((e: unknown) => d.log(`workspace ${created.id}: cleanup failed: ${String(e)}`))
    await d.workspaces.deleteWorkspace(created.id)
    throw err
  }
}

/** Throws `bad_request` unless `id` is null/absent or a configured job type. */
export function assertJobType(d: WorkspaceDeps, id: string | null | undefined): void {
  if (id === undefined || id === null) return
  if (!d.settings.jobTypes.some((t) => t.id === id)) {
    throw badRequest(
      `Invalid default_job_type ${JSON.stringify(id)}: expected one of ${d.settings.jobTypes.map((t) => t.id).join(', ')}.`,
    )
  }
}
