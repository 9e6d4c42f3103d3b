import { badRequest, notFound } from '../../domain/errors.js'
import { LIVE_JOB_STATUSES } from '../../domain/workspaces.js'
import type { WorkspaceDeps } from './deps.js'
import { getWorkspace } from './read-workspaces.js'

/**
 * Deletes one of `userId`'s workspaces as the original does: refused (`bad_request`) while one of its
 * jobs is pending, running or stopping, while a share of it waits for acceptance, or while it is a copy
 * shared with the user that they have not accepted (withdraw or decline it instead); otherwise marked
 * `deleting` at once and removed (files, then the row) in the background. Resolves with the promise of
 * that removal (which never rejects: a failure is logged and the workspace left `error`). `not_found` for
 * someone else's or no workspace.
 */
export async function deleteWorkspace(
  d: WorkspaceDeps,
  userId: string,
  id: number,
): Promise<{ removed: Promise<void> }> {
  const ws = await getWorkspace(d, userId, id)
  if (!ws) throw notFound(`Workspace ${id} not found.`)
  const [jobs, shares] = await Promise.all([
    d.workspaces.listJobs({ workspaceId: id, status: [...LIVE_JOB_STATUSES] }),
    d.workspaces.listShares({ workspaceId: id }),
  ])
  if (jobs.length > 0)
    throw badRequest(`Cannot delete workspace ${id}: jobs are running on it. Stop them first.`)
  if (shares.some((s) => !s.isAccepted && s.sharedWorkspaceId === id)) {
    throw badRequest(`Workspace ${id} is a shared workspace and has not been accepted.`)
  }
  if (shares.some((s) => !s.isAccepted && s.originalWorkspaceId === id)) {
    throw badRequest(`Cannot delete workspace ${id}: it has shares not yet accepted. Withdraw them first.`)
  }
  const marked = await d.workspaces.updateWorkspace(id, { status: 'deleting' }, [
    'idle',
    'error',
    'initializing',
  ])
  if (!marked) throw badRequest(`Workspace ${id} cannot be deleted while it is ${ws.status}.`)
  return { removed: removeWorkspace(d, { ownerId: userId, id }) }
}

/**
 * Removes a workspace marked `deleting`: its files, then its row, in the background (kept in
 * `d.background`). Never rejects: a failure is logged and the workspace left `error`.
 */
export function removeWorkspace(d: WorkspaceDeps, ref: { ownerId: string; id: number }): Promise<void> {
  const removed = (async () => {
    try {
      await d.storage.remove(ref)
      await d.workspaces.deleteWorkspace(ref.id)
    } catch (err) {
      d.log(`workspace ${ref.id}: deletion failed: ${String(err)}`)
      await d.workspaces.updateWorkspace(ref.id, { status: 'error' }).catch(() => undefined)
    }
  })()
  return d.background ? d.background.track(removed) : removed
}

/**
 * Finishes the deletions a previous process left under way (workspaces still `deleting`), in the
 * background. Returns how many it resumed.
 */
export async function resumeDeletions(d: WorkspaceDeps): Promise<number> {
  const left = await d.workspaces.listWorkspaces({ status: ['deleting'] })
  for (const w of left) void removeWorkspace(d, { ownerId: w.ownerId, id: w.id })
  return left.length
}
