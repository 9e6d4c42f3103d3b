import type { WorkspaceRecord } from '../../store/workspace-records.js'
import { createWorkspace } from './create-workspace.js'
import type { WorkspaceDeps } from './deps.js'

/** The default workspace's name and description, as the API lists it. */
export const DEFAULT_WORKSPACE = {
  name: 'Default workspace',
  description: 'Mounted at ~/workspace in workshop sessions that keep work.',
}

/**
 * The user's default workspace, created (empty, `idle`) on first use. Safe to call concurrently: the store
 * keeps one default per user, and a caller that loses the race reads the winner's. Throws what
 * `createWorkspace` throws.
 */
export async function ensureDefaultWorkspace(d: WorkspaceDeps, userId: string): Promise<WorkspaceRecord> {
  const find = async () => (await d.workspaces.listWorkspaces({ ownerId: userId, isDefault: true }))[0]
  const existing = await find()
  if (existing) return existing
  try {
    return await createWorkspace(d, userId, { ...DEFAULT_WORKSPACE, isDefault: true })
  } catch (err) {
    const winner = await find()
    if (winner) return winner
    throw err
  }
}

/**
 * Where a session of `userId` mounts their default workspace: its host directory and the owner the
 * sandbox must run as to write it. Null while the workspace is being deleted or broken.
 */
export async function defaultWorkspaceMount(
  d: WorkspaceDeps,
  userId: string,
): Promise<{ dir: string; owner: { uid: number; gid: number } } | null> {
  const ws = await ensureDefaultWorkspace(d, userId)
  if (ws.status === 'deleting' || ws.status === 'error') return null
  const ref = { ownerId: userId, id: ws.id }
  // another caller may have just inserted it and not yet made its directory
  if (ws.status === 'initializing') await d.storage.create(ref)
  return { dir: d.storage.dir(ref), owner: d.storage.owner(ref) }
}
