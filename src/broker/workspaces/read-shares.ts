import type { User } from '../../store/rows.js'
import type { ShareRecord, WorkspaceRecord } from '../../store/workspace-records.js'
import type { ShareDeps } from './share-deps.js'

/** One side of a share: the workspace and its owner (null when that user is gone). */
export interface ShareSide {
  workspace: WorkspaceRecord
  owner: User | null
}

/** A share with its two workspaces (null once deleted) and their owners, as the API shows it. */
export interface ShareView {
  share: ShareRecord
  original: ShareSide | null
  shared: ShareSide | null
}

/**
 * The shares `userId` sent (`sent`: the original is still theirs) and received (`received`: the copy is
 * theirs), by id, as the original lists them: a share whose copy was deleted is gone; a share whose
 * original was deleted stays in the recipient's list only. `sharedWorkspaceId` keeps the shares of that
 * copy; `isAccepted` those accepted or not.
 */
export async function listShares(
  d: ShareDeps,
  userId: string,
  filter: { sharedWorkspaceId?: number; isAccepted?: boolean } = {},
): Promise<{ sent: ShareView[]; received: ShareView[] }> {
  const keep = (s: ShareRecord) =>
    s.sharedWorkspaceId !== null &&
    (filter.sharedWorkspaceId === undefined || s.sharedWorkspaceId === filter.sharedWorkspaceId) &&
    (filter.isAccepted === undefined || s.isAccepted === filter.isAccepted)
  const [sent, received] = await Promise.all([
    d.workspaces.listShares({ senderId: userId }).then((l) => viewShares(d, l.filter(keep))),
    d.workspaces.listShares({ recipientId: userId }).then((l) => viewShares(d, l.filter(keep))),
  ])
  return {
    sent: sent.filter((v) => v.original?.workspace.ownerId === userId && v.shared !== null),
    received: received.filter((v) => v.shared?.workspace.ownerId === userId),
  }
}

/** `shares` with their workspaces and owners looked up (each once). */
export async function viewShares(d: ShareDeps, shares: ShareRecord[]): Promise<ShareView[]> {
  const workspaces = new Map<number, Promise<WorkspaceRecord | null>>()
  const users = new Map<string, Promise<User | null>>()
  const side = async (id: number | null): Promise<ShareSide | null> => {
    if (id === null) return null
    if (!workspaces.has(id)) workspaces.set(id, d.workspaces.getWorkspace(id))
    const workspace = await workspaces.get(id)!
    if (!workspace) return null
    if (!users.has(workspace.ownerId)) users.set(workspace.ownerId, d.users.getUser(workspace.ownerId))
    return { workspace, owner: await users.get(workspace.ownerId)! }
  }
  return Promise.all(
    shares.map(async (share) => ({
      share,
      original: await side(share.originalWorkspaceId),
      shared: await side(share.sharedWorkspaceId),
    })),
  )
}

/** The share whose copy is workspace `sharedWorkspaceId`, or null (a workspace is the copy of one share at most). */
export async function getShareOfCopy(d: ShareDeps, sharedWorkspaceId: number): Promise<ShareRecord | null> {
  const shares = await d.workspaces.listShares({ workspaceId: sharedWorkspaceId })
  return shares.find((s) => s.sharedWorkspaceId === sharedWorkspaceId) ?? null
}
