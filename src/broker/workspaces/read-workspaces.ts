import type { WorkspaceStatus } from '../../domain/workspaces.js'
import type { WorkspaceRecord } from '../../store/workspace-records.js'
import type { WorkspaceDeps } from './deps.js'

/**
 * The workspaces of `userId` matching every given filter exactly (`id`: that one only), by id; copies
 * shared with the user that they have not accepted yet are left out (as the original hides them, from
 * `GET /workspaces/<id>/` too).
 */
export async function listWorkspaces(
  d: WorkspaceDeps,
  userId: string,
  filter: { id?: number; name?: string; description?: string; status?: WorkspaceStatus } = {},
): Promise<WorkspaceRecord[]> {
  const [all, pending] = await Promise.all([
    d.workspaces.listWorkspaces({
      ownerId: userId,
      ...(filter.id !== undefined ? { ids: [filter.id] } : {}),
      ...(filter.name !== undefined ? { name: filter.name } : {}),
      ...(filter.description !== undefined ? { description: filter.description } : {}),
      ...(filter.status !== undefined ? { status: [filter.status] } : {}),
    }),
    d.workspaces.listShares({ recipientId: userId }),
  ])
  const hidden = new Set(pending.filter((s) => !s.isAccepted).map((s) => s.sharedWorkspaceId))
  return all.filter((w) => !hidden.has(w.id))
}

/** One workspace of `userId`, or null when there is none with that id (or it is someone else's). */
export async function getWorkspace(
  d: WorkspaceDeps,
  userId: string,
  id: number,
): Promise<WorkspaceRecord | null> {
  const ws = await d.workspaces.getWorkspace(id)
  return ws && ws.ownerId === userId ? ws : null
}
