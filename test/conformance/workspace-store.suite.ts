/**
 * The `WorkspaceStore` conformance suite (and `Store.searchUsers`, which the workspaces API's user search
 * stands on): every implementation (SQLite always, PostgreSQL when a URL is given) runs it through
 * `runWorkspaceStoreSuite({ name, make })`. It checks what could differ between databases: ids, JSON
 * round trips, conditional writes, filters, cascades, uniqueness and atomicity.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Store } from '../../src/store/store.js'
import type { NewJob, NewWorkspace } from '../../src/store/workspace-records.js'
import type { WorkspaceStore } from '../../src/store/workspace-store.js'

export interface WorkspaceStoreFactory {
  name: string
  make: () => Promise<{ store: Store; workspaces: WorkspaceStore; close: () => Promise<void> }>
}

const T0 = 1_760_000_000_000

const workspace = (ownerId: string, o: Partial<NewWorkspace> = {}): NewWorkspace => ({
  ownerId,
  name: 'ws',
  description: 'a workspace',
  status: 'idle',
  defaultJobType: null,
  diskSpace: 0,
  details: {
    request_workspace_details: { files: [{ name: 'a.ipynb' }], symlinks: [] },
    current_workspace_details: { files: [], symlinks: [{ name: 'd', source_path: '/data/x' }] },
  },
  isDefault: false,
  createdAt: T0,
  lastModifiedAt: null,
  lastJobLaunchAt: null,
  ...o,
})

const job = (workspaceId: number, ownerId: string, o: Partial<NewJob> = {}): NewJob => ({
  workspaceId,
  ownerId,
  jobType: 'local_test',
  status: 'pending',
  handle: null,
  sandbox: 'p-job{id}',
  resourceOptions: { num_cpus: 2, memory_mb: 2048 },
  details: { metrics: {}, request_job_details: { a: 1 }, current_job_details: { message: 'x' } },
  coreHours: 0,
  createdAt: T0,
  startedAt: null,
  endedAt: null,
  ...o,
})

export function runWorkspaceStoreSuite(f: WorkspaceStoreFactory): void {
  describe(`WorkspaceStore conformance: ${f.name}`, () => {
    let store: Store
    let ws: WorkspaceStore
    let close: () => Promise<void>
    beforeEach(async () => {
      ;({ store, workspaces: ws, close } = await f.make())
      for (const id of ['alice', 'bob', 'carol'])
        await store.createUser({ id, kind: 'registered', username: id, at: T0 })
    })
    afterEach(async () => close())

    it('creates workspaces with increasing ids and reads them back exactly', async () => {
      const a = await ws.createWorkspace(
        workspace('alice', { diskSpace: 12_345_678_901, lastModifiedAt: T0 + 5 }),
      )
      const b = await ws.createWorkspace(workspace('alice', { name: 'second' }))
      expect(a.id).toBeGreaterThan(0)
      expect(b.id).toBeGreaterThan(a.id)
      expect(await ws.getWorkspace(a.id)).toEqual({
        ...workspace('alice', { diskSpace: 12_345_678_901, lastModifiedAt: T0 + 5 }),
        id: a.id,
      })
      expect(await ws.getWorkspace(b.id + 1000)).toBeNull()
      for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 60]) expect(await ws.getWorkspace(bad)).toBeNull()
    })

    it('never reuses an id', async () => {
      const a = await ws.createWorkspace(workspace('alice'))
      expect(await ws.deleteWorkspace(a.id)).toBe(true)
      expect(await ws.deleteWorkspace(a.id)).toBe(false)
      const b = await ws.createWorkspace(workspace('alice'))
      expect(b.id).toBeGreaterThan(a.id)
    })

    it('filters workspaces exactly, by id ascending', async () => {
      const a = await ws.createWorkspace(workspace('alice', { name: 'n1', status: 'idle' }))
      const b = await ws.createWorkspace(
        workspace('alice', { name: 'n2', status: 'active', isDefault: true }),
      )
      const c = await ws.createWorkspace(workspace('bob', { name: 'n1' }))
      const ids = (l: { id: number }[]) => l.map((w) => w.id)
      expect(ids(await ws.listWorkspaces())).toEqual([a.id, b.id, c.id])
      expect(ids(await ws.listWorkspaces({ ownerId: 'alice' }))).toEqual([a.id, b.id])
      expect(ids(await ws.listWorkspaces({ name: 'n1' }))).toEqual([a.id, c.id])
      expect(ids(await ws.listWorkspaces({ name: 'N1' }))).toEqual([])
      expect(ids(await ws.listWorkspaces({ status: ['active', 'error'] }))).toEqual([b.id])
      expect(ids(await ws.listWorkspaces({ status: [] }))).toEqual([])
      expect(ids(await ws.listWorkspaces({ ids: [c.id, a.id, -3] }))).toEqual([a.id, c.id])
      expect(ids(await ws.listWorkspaces({ ids: [] }))).toEqual([])
      expect(ids(await ws.listWorkspaces({ ownerId: 'alice', isDefault: true }))).toEqual([b.id])
      expect(ids(await ws.listWorkspaces({ description: 'a workspace', ownerId: 'bob' }))).toEqual([c.id])
      expect(ids(await ws.listWorkspaces({}, { newest: true, limit: 2 }))).toEqual([c.id, b.id])
      expect(ids(await ws.listWorkspaces({ ownerId: 'alice' }, { limit: 1 }))).toEqual([a.id])
      expect(ids(await ws.listWorkspaces({}, { limit: 0 }))).toEqual([])
      expect(ids(await ws.listWorkspaces({}, { newest: true, limit: 2, before: b.id }))).toEqual([a.id])
      expect(ids(await ws.listWorkspaces({ ownerId: 'bob' }, { before: c.id }))).toEqual([])
    })

    it('allows one default workspace per user', async () => {
      await ws.createWorkspace(workspace('alice', { isDefault: true }))
      await expect(ws.createWorkspace(workspace('alice', { isDefault: true }))).rejects.toThrow()
      await ws.createWorkspace(workspace('bob', { isDefault: true }))
      await ws.createWorkspace(workspace('alice', { isDefault: false }))
      expect(await ws.listWorkspaces({ isDefault: true })).toHaveLength(2)
    })

    it('updates only the given fields, and only from the given statuses', async () => {
      const a = await ws.createWorkspace(workspace('alice', { status: 'initializing' }))
      expect(await ws.updateWorkspace(a.id, { status: 'active' }, ['idle'])).toBeNull()
      const up = await ws.updateWorkspace(a.id, { status: 'idle', diskSpace: 7, lastJobLaunchAt: T0 + 9 }, [
        'initializing',
      ])
      expect(up).toEqual({ ...a, status: 'idle', diskSpace: 7, lastJobLaunchAt: T0 + 9 })
      expect(await ws.getWorkspace(a.id)).toEqual(up)
      expect(await ws.updateWorkspace(a.id, {}, ['idle'])).toEqual(up)
      expect(await ws.updateWorkspace(a.id, {}, ['error'])).toBeNull()
      expect(await ws.updateWorkspace(a.id, { name: 'x' }, [])).toBeNull()
      expect(await ws.updateWorkspace(a.id + 99, { name: 'x' })).toBeNull()
      const cleared = await ws.updateWorkspace(a.id, { lastJobLaunchAt: null, defaultJobType: 'jupyter_lab' })
      expect(cleared).toMatchObject({ lastJobLaunchAt: null, defaultJobType: 'jupyter_lab', diskSpace: 7 })
    })

    it('names a job sandbox after its id, and keeps job fields exactly', async () => {
      const w = await ws.createWorkspace(workspace('alice'))
      const j1 = await ws.createJob(job(w.id, 'alice'))
      const j2 = await ws.createJob(job(w.id, 'alice'))
      expect(j1.sandbox).toBe(`p-job${j1.id}`)
      expect(j2.sandbox).toBe(`p-job${j2.id}`)
      expect(await ws.getJob(j1.id)).toEqual({ ...job(w.id, 'alice'), id: j1.id, sandbox: `p-job${j1.id}` })
      await expect(ws.createJob(job(w.id, 'alice', { sandbox: j1.sandbox }))).rejects.toThrow()
      const handle = { backend: 'local', pid: 42, nested: { a: [1, 'b'] } }
      const up = await ws.updateJob(
        j1.id,
        { status: 'running', handle, startedAt: T0 + 1, coreHours: 0.125 },
        ['pending'],
      )
      expect(up).toMatchObject({
        status: 'running',
        handle,
        startedAt: T0 + 1,
        coreHours: 0.125,
        endedAt: null,
      })
      expect(await ws.updateJob(j1.id, { status: 'complete' }, ['pending'])).toBeNull()
      expect((await ws.getJob(j1.id))?.status).toBe('running')
      expect(await ws.updateJob(j1.id, { handle: null })).toMatchObject({ handle: null, status: 'running' })
    })

    it('filters jobs by owner, workspace, type and status', async () => {
      const w1 = await ws.createWorkspace(workspace('alice'))
      const w2 = await ws.createWorkspace(workspace('bob'))
      const a = await ws.createJob(job(w1.id, 'alice', { status: 'running' }))
      const b = await ws.createJob(job(w1.id, 'alice', { status: 'complete', jobType: 'jupyter_lab' }))
      const c = await ws.createJob(job(w2.id, 'bob', { status: 'pending' }))
      const ids = (l: { id: number }[]) => l.map((j) => j.id)
      expect(ids(await ws.listJobs())).toEqual([a.id, b.id, c.id])
      expect(ids(await ws.listJobs({ ownerId: 'alice' }))).toEqual([a.id, b.id])
      expect(ids(await ws.listJobs({ workspaceId: w2.id }))).toEqual([c.id])
      expect(ids(await ws.listJobs({}, { newest: true, before: c.id }))).toEqual([b.id, a.id])
      expect(ids(await ws.listJobs({ workspaceId: -1 }))).toEqual([])
      expect(ids(await ws.listJobs({ jobType: 'jupyter_lab' }))).toEqual([b.id])
      expect(ids(await ws.listJobs({ status: ['pending', 'running'] }))).toEqual([a.id, c.id])
      expect(ids(await ws.listJobs({ status: [] }))).toEqual([])
      expect(ids(await ws.listJobs({}, { newest: true }))).toEqual([c.id, b.id, a.id])
      expect(ids(await ws.listJobs({ ownerId: 'alice' }, { newest: true, limit: 1 }))).toEqual([b.id])
      expect(ids(await ws.listJobs({}, { limit: 2 }))).toEqual([a.id, b.id])
      expect(ids(await ws.listJobs({}, { limit: 0 }))).toEqual([])
    })

    it("deletes a workspace's jobs with it, and keeps its shares with a null reference", async () => {
      const w = await ws.createWorkspace(workspace('alice'))
      const copy = await ws.createWorkspace(workspace('bob', { status: 'initializing' }))
      const j = await ws.createJob(job(w.id, 'alice'))
      const s = await ws.createShare({
        originalWorkspaceId: w.id,
        sharedWorkspaceId: copy.id,
        senderId: 'alice',
        recipientId: 'bob',
        isAccepted: false,
        lastResourceOptions: { num_cpus: 1 },
        lastJobType: 'jupyter_lab',
        createdAt: T0,
      })
      expect(await ws.deleteWorkspace(w.id)).toBe(true)
      expect(await ws.getJob(j.id)).toBeNull()
      expect(await ws.getShare(s.id)).toMatchObject({ originalWorkspaceId: null, sharedWorkspaceId: copy.id })
    })

    it('lists, accepts once and deletes shares', async () => {
      const w = await ws.createWorkspace(workspace('alice'))
      const toBob = await ws.createWorkspace(workspace('bob'))
      const toCarol = await ws.createWorkspace(workspace('carol'))
      const share = (recipientId: string, sharedWorkspaceId: number, senderId = 'alice') =>
        ws.createShare({
          originalWorkspaceId: w.id,
          sharedWorkspaceId,
          senderId,
          recipientId,
          isAccepted: false,
          lastResourceOptions: {},
          lastJobType: null,
          createdAt: T0,
        })
      const s1 = await share('bob', toBob.id)
      const s2 = await share('carol', toCarol.id)
      const s3 = await share('alice', toCarol.id, 'carol')
      const ids = (l: { id: number }[]) => l.map((s) => s.id)
      expect(ids(await ws.listShares({ senderId: 'alice' }))).toEqual([s1.id, s2.id])
      expect(ids(await ws.listShares({ recipientId: 'alice' }))).toEqual([s3.id])
      expect(ids(await ws.listShares({ senderId: 'alice', recipientId: 'alice' }))).toEqual([
        s1.id,
        s2.id,
        s3.id,
      ])
      expect(ids(await ws.listShares({ workspaceId: toCarol.id }))).toEqual([s2.id, s3.id])
      expect(ids(await ws.listShares({ recipientId: 'bob', workspaceId: toCarol.id }))).toEqual([])
      expect(await ws.acceptShare(s1.id)).toMatchObject({ id: s1.id, isAccepted: true })
      expect(await ws.acceptShare(s1.id)).toBeNull()
      expect(await ws.acceptShare(s1.id + 100)).toBeNull()
      expect(await ws.deleteShare(s2.id)).toBe(true)
      expect(await ws.deleteShare(s2.id)).toBe(false)
      expect(await ws.getShare(s2.id)).toBeNull()
    })

    it('commits a transaction whole or not at all', async () => {
      await expect(
        ws.transaction(async (tx) => {
          await tx.createWorkspace(workspace('alice', { name: 'kept?' }))
          await tx.createWorkspace(workspace('nobody'))
        }),
      ).rejects.toThrow()
      expect(await ws.listWorkspaces({ name: 'kept?' })).toEqual([])
      const made = await ws.transaction(async (tx) => {
        const w = await tx.createWorkspace(workspace('alice', { name: 'both' }))
        await tx.createJob(job(w.id, 'alice'))
        return w
      })
      expect(await ws.listJobs({ workspaceId: made.id })).toHaveLength(1)
    })

    it('searches users by name, email or username, literally and case-insensitively', async () => {
      await store.createUser({
        id: 'dave',
        kind: 'registered',
        username: 'd_100',
        email: 'Dave@Example.org',
        firstName: 'Dave',
        lastName: 'Jones',
        at: T0,
      })
      await store.createUser({ id: 'robot', kind: 'robot', username: 'robot-dave', at: T0 })
      await store.createUser({ id: 'erin', kind: 'registered', firstName: 'Erin', lastName: '100%', at: T0 })
      const search = async (q: string, excludeId = 'alice') =>
        (await store.searchUsers(q, { excludeId, kinds: ['registered'], limit: 10 })).map((u) => u.id)
      expect(await search('dave j')).toEqual(['dave'])
      expect(await search('EXAMPLE.ORG')).toEqual(['dave'])
      expect(await search('dave')).toEqual(['dave'])
      expect(await search('dave', 'dave')).toEqual([])
      expect(await search('%')).toEqual(['erin'])
      expect(await search('_1')).toEqual(['dave'])
      expect(await search('')).toEqual(['bob', 'carol', 'dave', 'erin'])
      expect(await store.searchUsers('', { excludeId: 'x', kinds: ['registered'], limit: 2 })).toHaveLength(2)
      expect(await store.searchUsers('dave', { excludeId: 'x', kinds: [], limit: 5 })).toEqual([])
    })
  })
}
