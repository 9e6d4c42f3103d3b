import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { acceptShare } from '../../src/broker/workspaces/accept-share.js'
import { createWorkspace } from '../../src/broker/workspaces/create-workspace.js'
import { deleteWorkspace } from '../../src/broker/workspaces/delete-workspace.js'
import { listWorkspaces } from '../../src/broker/workspaces/read-workspaces.js'
import { listShares } from '../../src/broker/workspaces/read-shares.js'
import type { ShareDeps } from '../../src/broker/workspaces/share-deps.js'
import { shareWorkspace } from '../../src/broker/workspaces/share-workspace.js'
import { withdrawShare } from '../../src/broker/workspaces/withdraw-share.js'
import type { WorkspaceRecord } from '../../src/store/workspace-records.js'
import { outcomeOf, workspaceFixture, type WorkspaceFixture } from './workspace-deps.js'

let f: WorkspaceFixture
let d: ShareDeps
let original: WorkspaceRecord

beforeEach(async () => {
  f = await workspaceFixture()
  d = { ...f.d, users: f.db.store }
  original = await createWorkspace(d, 'u1', {
    name: 'analysis',
    description: 'notebooks',
    defaultJobType: 'jupyter_lab',
    files: [
      { name: 'nb/a.ipynb', content: '{}' },
      { name: '.secret', content: 'token' },
    ],
  })
  await mkdir(join(d.storage.dir({ ownerId: 'u1', id: original.id }), '.cache'))
})

const share = (recipientIds: string[], from = 'u1') =>
  shareWorkspace(d, from, { originalWorkspaceId: original.id, recipientIds })

describe('sharing a workspace by copy', () => {
  it('creates an initializing copy per recipient, then copies the non-dot files and marks it idle', async () => {
    await f.db.workspaces.createJob({
      workspaceId: original.id,
      ownerId: 'u1',
      jobType: 'local_test',
      status: 'complete',
      handle: null,
      sandbox: 'j{id}',
      resourceOptions: { num_cpus: 2 },
      details: { metrics: {}, request_job_details: {}, current_job_details: {} },
      coreHours: 0,
      createdAt: 0,
      startedAt: null,
      endedAt: null,
    })
    const { shares, copied } = await share(['u2', 'u3', 'u2'])
    expect(shares).toHaveLength(2)
    expect(shares[0]).toMatchObject({
      originalWorkspaceId: original.id,
      senderId: 'u1',
      recipientId: 'u2',
      isAccepted: false,
      lastJobType: 'local_test',
      lastResourceOptions: { num_cpus: 2 },
    })
    const copy = (await f.db.workspaces.getWorkspace(shares[0]!.sharedWorkspaceId!))!
    expect(copy).toMatchObject({
      ownerId: 'u2',
      name: 'analysis',
      description: 'notebooks',
      defaultJobType: 'jupyter_lab',
    })
    expect(original.details.current_workspace_details.files).toHaveLength(2)
    expect(copy.details.current_workspace_details.files).toEqual([{ name: 'nb/a.ipynb' }])
    expect(copy.details.request_workspace_details).toEqual(original.details.request_workspace_details)
    await copied
    const after = (await f.db.workspaces.getWorkspace(copy.id))!
    expect(after).toMatchObject({ status: 'idle', diskSpace: 2 })
    const dir = d.storage.dir({ ownerId: 'u2', id: copy.id })
    expect(await readdir(dir)).toEqual(['nb'])
    expect(await readFile(join(dir, 'nb', 'a.ipynb'), 'utf8')).toBe('{}')
  })

  it('hides an unaccepted copy from the recipient until they accept it; accepting is theirs only', async () => {
    const { shares, copied } = await share(['u2'])
    await copied
    const copyId = shares[0]!.sharedWorkspaceId!
    expect(await listWorkspaces(d, 'u2')).toEqual([])
    expect(await listWorkspaces(d, 'u2', { id: copyId })).toEqual([])
    expect(await outcomeOf(acceptShare(d, 'u1', copyId))).toBe(
      `not_found: Shared workspace ${copyId} not found.`,
    )
    expect(await outcomeOf(acceptShare(d, 'u3', copyId))).toMatch(/^not_found/)
    expect(await outcomeOf(acceptShare(d, 'u2', original.id))).toMatch(/^not_found/)
    expect((await acceptShare(d, 'u2', copyId)).isAccepted).toBe(true)
    expect((await acceptShare(d, 'u2', copyId)).isAccepted).toBe(true)
    expect((await listWorkspaces(d, 'u2')).map((w) => w.id)).toEqual([copyId])
  })

  it('lists sent and received shares with their workspaces and owners, filtered', async () => {
    const { shares, copied } = await share(['u2', 'u3'])
    await copied
    await acceptShare(d, 'u3', shares[1]!.sharedWorkspaceId!)
    const mine = await listShares(d, 'u1')
    expect(mine.received).toEqual([])
    expect(mine.sent.map((v) => v.share.recipientId)).toEqual(['u2', 'u3'])
    expect(mine.sent[0]!.original!.owner!.username).toBe('u1')
    expect(mine.sent[0]!.shared!.owner!.email).toBe('u2@example.org')
    expect((await listShares(d, 'u1', { isAccepted: true })).sent.map((v) => v.share.recipientId)).toEqual([
      'u3',
    ])
    const u2 = await listShares(d, 'u2')
    expect(u2.sent).toEqual([])
    expect(u2.received.map((v) => v.shared!.workspace.id)).toEqual([shares[0]!.sharedWorkspaceId])
    const one = await listShares(d, 'u1', { sharedWorkspaceId: shares[1]!.sharedWorkspaceId! })
    expect(one.sent.map((v) => v.share.id)).toEqual([shares[1]!.id])
    // A copy its recipient deleted after accepting takes its share out of both lists.
    await (
      await deleteWorkspace(d, 'u3', shares[1]!.sharedWorkspaceId!)
    ).removed
    expect((await listShares(d, 'u1')).sent.map((v) => v.share.recipientId)).toEqual(['u2'])
    expect(await listShares(d, 'u3')).toEqual({ sent: [], received: [] })
  })

  it('refuses unknown, staff and self recipients and other users workspaces, creating nothing', async () => {
    expect(await outcomeOf(share(['nobody']))).toBe('bad_request: Invalid user id provided.')
    expect(await outcomeOf(share(['u2', 'boss']))).toBe('bad_request: Invalid user id provided.')
    expect(await outcomeOf(share(['u1']))).toMatch(/^bad_request: .*owner/)
    expect(await outcomeOf(share(['u3'], 'u2'))).toBe(
      `not_found: Workspace ${original.id} not found for user.`,
    )
    expect(await f.db.workspaces.listShares({ senderId: 'u1' })).toEqual([])
    expect(await f.db.workspaces.listWorkspaces({ ownerId: 'u2' })).toEqual([])
  })

  it('withdraws or declines before acceptance only, removing the copy; others are refused', async () => {
    const { shares, copied } = await share(['u2', 'u3'])
    await copied
    const [toU2, toU3] = shares.map((s) => s.sharedWorkspaceId!)
    expect(await outcomeOf(withdrawShare(d, 'u3', toU2!))).toBe(
      `forbidden: User does not have permissions for shared workspace ${toU2}.`,
    )
    expect(await outcomeOf(withdrawShare(d, 'u1', 999))).toBe('not_found: Shared workspace 999 not found.')
    // The original cannot be deleted while shares wait, nor the copy by its recipient through DELETE /workspaces.
    expect(await outcomeOf(deleteWorkspace(d, 'u1', original.id))).toMatch(/^bad_request/)
    expect(await outcomeOf(deleteWorkspace(d, 'u2', toU2!))).toBe(
      `bad_request: Workspace ${toU2} is a shared workspace and has not been accepted.`,
    )

    const { removed } = await withdrawShare(d, 'u1', toU2!) // the sender withdraws
    expect((await f.db.workspaces.getWorkspace(toU2!))?.status).toBe('deleting')
    await removed
    expect(await f.db.workspaces.getWorkspace(toU2!)).toBeNull()
    await expect(stat(d.storage.dir({ ownerId: 'u2', id: toU2! }))).rejects.toThrow()
    expect(await f.db.workspaces.listShares({ recipientId: 'u2' })).toEqual([])

    await acceptShare(d, 'u3', toU3!)
    expect(await outcomeOf(withdrawShare(d, 'u3', toU3!))).toBe(
      `bad_request: Shared workspace ${toU3} has been accepted and cannot be deleted.`,
    )
    // Accepted: the copy is the recipient's own, and the original can go.
    expect(await outcomeOf(deleteWorkspace(d, 'u1', original.id).then((r) => r.removed))).toBe('resolved')
    const u3 = await listShares(d, 'u3')
    expect(u3.received).toHaveLength(1)
    expect(u3.received[0]!.original).toBeNull()
    expect((await listShares(d, 'u1')).sent).toEqual([])
  })

  it('declining while the copy runs leaves no files behind', async () => {
    const dir = d.storage.dir({ ownerId: 'u1', id: original.id })
    for (let i = 0; i < 3; i++) await writeFile(join(dir, `f${i}`), 'x')
    const { shares, copied } = await share(['u2'])
    const copyId = shares[0]!.sharedWorkspaceId!
    const { removed } = await withdrawShare(d, 'u2', copyId) // the recipient declines
    await Promise.all([removed, copied])
    expect(await f.db.workspaces.getWorkspace(copyId)).toBeNull()
    await expect(stat(d.storage.dir({ ownerId: 'u2', id: copyId }))).rejects.toThrow()
  })

  it('marks the copy error when copying fails', async () => {
    // The original's directory replaced by a plain file: the copy cannot read it.
    const dir = d.storage.dir({ ownerId: 'u1', id: original.id })
    await d.storage.remove({ ownerId: 'u1', id: original.id })
    await writeFile(dir, 'not a directory')
    const { shares, copied } = await share(['u2'])
    await copied
    expect((await f.db.workspaces.getWorkspace(shares[0]!.sharedWorkspaceId!))?.status).toBe('error')
    expect(f.logs.join('\n')).toMatch(/copying workspace \d+ failed/)
  })
})
