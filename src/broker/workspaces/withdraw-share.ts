import { badRequest, forbidden, notFound } from '../../domain/errors.js'
import { removeWorkspace } from './delete-workspace.js'
import { getShareOfCopy } from './read-shares.js'
import type { ShareDeps } from './share-deps.js'

/**
 * Withdraws (sender) or declines (recipient) the share whose copy is workspace `sharedWorkspaceId`, as
 * the original's `DELETE /shared_workspaces/<id>/`: only before it was accepted. The share goes at once
 * and the copy is marked `deleting`, then removed (files, then the row) in the background; `removed`
 * resolves when that is done and never rejects (a failure is logged and the copy left `error`).
 * `not_found` without such a share, `forbidden` for anyone but its sender and recipient, `bad_request`
 * once accepted or while jobs run on the copy.
 */
export async function withdrawShare(
  d: ShareDeps,
  userId: string,
  sharedWorkspaceId: number,
): Promise<{ removed: Promise<void> }> {
  const id = sharedWorkspaceId
  const copy = await d.workspaces.transaction(async (tx) => {
    const share = await getShareOfCopy({ ...d, workspaces: tx }, id)
    if (!share) throw notFound(`Shared workspace ${id} not found.`)
    if (userId !== share.senderId && userId !== share.recipientId)
      throw forbidden(`User does not have permissions for shared workspace ${id}.`)
    if (share.isAccepted) throw badRequest(`Shared workspace ${id} has been accepted and cannot be deleted.`)
    const marked = await tx.updateWorkspace(id, { status: 'deleting' }, ['initializing', 'idle', 'error'])
    if (!marked) throw badRequest(`Shared workspace ${id} cannot be deleted while jobs run on it.`)
    await tx.deleteShare(share.id)
    return marked
  })
  return { removed: removeWorkspace(d, { ownerId: copy.ownerId, id }) }
}
