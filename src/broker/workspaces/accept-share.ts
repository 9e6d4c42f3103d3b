import { notFound } from '../../domain/errors.js'
import type { ShareRecord } from '../../store/workspace-records.js'
import { getShareOfCopy } from './read-shares.js'
import type { ShareDeps } from './share-deps.js'

/**
 * Accepts the share whose copy is workspace `sharedWorkspaceId`, for its recipient only: the copy then
 * shows in the recipient's workspaces and can no longer be withdrawn. Idempotent (accepting again returns
 * the share). `not_found` ("Shared workspace <id> not found.") when there is no such share or `userId` is
 * not its recipient.
 */
export async function acceptShare(
  d: ShareDeps,
  userId: string,
  sharedWorkspaceId: number,
): Promise<ShareRecord> {
  const missing = () => notFound(`Shared workspace ${sharedWorkspaceId} not found.`)
  const share = await getShareOfCopy(d, sharedWorkspaceId)
  if (!share || share.recipientId !== userId) throw missing()
  if (share.isAccepted) return share
  const accepted = (await d.workspaces.acceptShare(share.id)) ?? (await d.workspaces.getShare(share.id))
  if (!accepted) throw missing()
  return accepted
}
