import { badRequest, notFound } from '../../domain/errors.js'
import type { WorkspaceRecord } from '../../store/workspace-records.js'
import { assertJobType } from './create-workspace.js'
import type { WorkspaceDeps } from './deps.js'
import { getWorkspace } from './read-workspaces.js'
import {
  detailEntries,
  mergeEntries,
  storageInputs,
  type FileSpec,
  type SymlinkSpec,
} from './workspace-input.js'

export interface UpdateWorkspaceInput {
  name?: string
  description?: string
  defaultJobType?: string | null
  files?: FileSpec[]
  symlinks?: SymlinkSpec[]
}

/**
 * Renames, describes, sets the default job type of one of `userId`'s workspaces and adds files and
 * symlinks (merged into its details by name). `not_found` for someone else's or no workspace,
 * `bad_request` while it is being deleted or for bad input (checked before anything changes),
 * `payload_too_large` past the quota.
 */
export async function updateWorkspace(
  d: WorkspaceDeps,
  userId: string,
  id: number,
  i: UpdateWorkspaceInput,
): Promise<WorkspaceRecord> {
  const ws = await getWorkspace(d, userId, id)
  if (!ws) throw notFound(`Workspace ${id} not found.`)
  if (ws.status === 'deleting') throw badRequest(`Workspace ${id} is being deleted.`)
  assertJobType(d, i.defaultJobType)
  const { files, links } = storageInputs(i.files ?? [], i.symlinks ?? [])
  const ref = { ownerId: userId, id }
  if (files.length) await d.storage.writeFiles(ref, files, d.settings.quota)
  if (links.length) await d.storage.addSymlinks(ref, links)
  const added = detailEntries(files, links)
  const merge = (side: WorkspaceRecord['details']['current_workspace_details']) => ({
    files: mergeEntries(side.files, added.files),
    symlinks: mergeEntries(side.symlinks, added.symlinks),
  })
  const touched = files.length + links.length > 0
  const updated = await d.workspaces.updateWorkspace(
    id,
    {
      ...(i.name !== undefined ? { name: i.name } : {}),
      ...(i.description !== undefined ? { description: i.description } : {}),
      ...(i.defaultJobType !== undefined ? { defaultJobType: i.defaultJobType } : {}),
      ...(touched
        ? {
            details: {
              request_workspace_details: merge(ws.details.request_workspace_details),
              current_workspace_details: merge(ws.details.current_workspace_details),
            },
            diskSpace: (await d.storage.usage(ref)).bytes,
          }
        : {}),
      lastModifiedAt: d.clock.now(),
    },
    ['initializing', 'idle', 'active', 'error'],
  )
  if (!updated) throw badRequest(`Workspace ${id} is being deleted.`)
  return updated
}
