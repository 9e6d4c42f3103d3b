import { badRequest, notFound } from '../../domain/errors.js'
import type { UserKind } from '../../domain/types.js'
import type { WorkspaceRef } from '../../storage/workspace-storage.js'
import type { ShareRecord, WorkspaceDetails } from '../../store/workspace-records.js'
import { getWorkspace } from './read-workspaces.js'
import type { ShareDeps } from './share-deps.js'

/** Who may receive a share: the people `GET /users/` finds (never staff or robots). */
const RECIPIENT_KINDS: readonly UserKind[] = ['registered', 'anonymous']

/**
 * Shares one of `userId`'s workspaces by copy, as the original does: per recipient, a new workspace owned
 * by the recipient (same name, description, details less dot-files, default job type; `initializing`)
 * and a share (not accepted; the last job's type and resource options, `""` and `{}` without jobs), all
 * in one transaction. The copy of the original's files whose names do not start with `.` then runs in the
 * background: `copied` resolves (never rejects) once every copy is `idle`, or `error` when it failed.
 * A copy withdrawn or deleted meanwhile has its files removed. `not_found` for someone else's or no
 * workspace; `bad_request` while it is being deleted, for an unknown recipient, a staff or robot account
 * ("Invalid user id provided.") or the owner. Repeated recipients count once; none creates nothing.
 */
export async function shareWorkspace(
  d: ShareDeps,
  userId: string,
  i: { originalWorkspaceId: number; recipientIds: string[] },
): Promise<{ shares: ShareRecord[]; copied: Promise<void> }> {
  const original = await getWorkspace(d, userId, i.originalWorkspaceId)
  if (!original) throw notFound(`Workspace ${i.originalWorkspaceId} not found for user.`)
  if (original.status === 'deleting') throw badRequest(`Workspace ${original.id} is being deleted.`)
  const recipients = [...new Set(i.recipientIds)]
  for (const id of recipients) {
    if (id === userId) throw badRequest('A workspace cannot be shared with its owner.')
    const user = await d.users.getUser(id)
    if (!user || !RECIPIENT_KINDS.includes(user.kind)) throw badRequest('Invalid user id provided.')
  }
  const latest = (await d.workspaces.listJobs({ workspaceId: original.id })).at(-1)
  const now = d.clock.now()
  const shares = await d.workspaces.transaction(async (tx) => {
    const made: ShareRecord[] = []
    for (const recipientId of recipients) {
      const copy = await tx.createWorkspace({
        ownerId: recipientId,
        name: original.name,
        description: original.description,
        status: 'initializing',
        defaultJobType: original.defaultJobType,
        diskSpace: 0,
        details: copiedDetails(original.details),
        isDefault: false,
        createdAt: now,
        lastModifiedAt: now,
        lastJobLaunchAt: null,
      })
      made.push(
        await tx.createShare({
          originalWorkspaceId: original.id,
          sharedWorkspaceId: copy.id,
          senderId: userId,
          recipientId,
          isAccepted: false,
          lastResourceOptions: latest?.resourceOptions ?? {},
          lastJobType: latest?.jobType ?? '',
          createdAt: now,
        }),
      )
    }
    return made
  })
  const from = { ownerId: userId, id: original.id }
  const copied = Promise.all(
    shares.map((s) => fillCopy(d, from, { ownerId: s.recipientId, id: s.sharedWorkspaceId! })),
  ).then(() => undefined)
  return { shares, copied: d.background ? d.background.track(copied) : copied }
}

/** The original's details for its copy: the current files and symlinks without those the copy skips. */
function copiedDetails(details: WorkspaceDetails): WorkspaceDetails {
  const visible = (e: { name: string }) => !e.name.replace(/^\//, '').startsWith('.')
  const current = details.current_workspace_details
  return {
    request_workspace_details: structuredClone(details.request_workspace_details),
    current_workspace_details: {
      files: current.files.filter(visible).map((f) => ({ ...f })),
      symlinks: current.symlinks.filter(visible).map((l) => ({ ...l })),
    },
  }
}

/** Copies the files, then marks the copy `idle` (or `error`); removes them if the copy went meanwhile. */
async function fillCopy(d: ShareDeps, from: WorkspaceRef, to: WorkspaceRef): Promise<void> {
  let marked
  try {
    await d.storage.copy(from, to)
    const usage = await d.storage.usage(to)
    marked = await d.workspaces.updateWorkspace(
      to.id,
      { status: 'idle', diskSpace: usage.bytes, lastModifiedAt: d.clock.now() },
      ['initializing'],
    )
  } catch (err) {
    d.log(`workspace ${to.id}: copying workspace ${from.id} failed: ${String(err)}`)
    marked = await d.workspaces
      .updateWorkspace(to.id, { status: 'error' }, ['initializing'])
      .catch(() => null)
  }
  if (marked) return
  const now = await d.workspaces.getWorkspace(to.id).catch(() => undefined)
  if (now === null || now?.status === 'deleting') {
    // Withdrawn or deleted while copying: whatever the copy wrote after its removal must go too.
    await d.storage
      .remove(to)
      .catch((e: unknown) => d.log(`workspace ${to.id}: cleanup failed: ${String(e)}`))
  }
}
