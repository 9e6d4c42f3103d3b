import { mkdir, mkdtemp, readFile, readlink, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createWorkspace } from '../../src/broker/workspaces/create-workspace.js'
import type { WorkspaceDeps } from '../../src/broker/workspaces/deps.js'
import { BackgroundWork } from '../../src/broker/workspaces/background-work.js'
import { deleteWorkspace, resumeDeletions } from '../../src/broker/workspaces/delete-workspace.js'
import { getWorkspace, listWorkspaces } from '../../src/broker/workspaces/read-workspaces.js'
import { updateWorkspace } from '../../src/broker/workspaces/update-workspace.js'
import { DEFAULT_JOB_PARAMETERS, builtInJobTypes } from '../../src/config/job-types.js'
import { ManualClock } from '../../src/domain/clock.js'
import { LabgateError } from '../../src/domain/errors.js'
import { LocalWorkspaceStorage } from '../../src/storage/local-storage.js'
import { openStore, type OpenStore } from '../../src/store/open-store.js'

let db: OpenStore
let d: WorkspaceDeps
let dataRoot: string
const clock = new ManualClock()

beforeEach(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'labgate-ws-cases-'))
  dataRoot = join(dir, 'data')
  await mkdir(join(dataRoot, 'datasets', 'd1'), { recursive: true })
  db = await openStore({ sqlite: ':memory:' })
  for (const id of ['u1', 'u2']) await db.store.createUser({ id, kind: 'registered', username: id, at: 0 })
  d = {
    workspaces: db.workspaces,
    storage: new LocalWorkspaceStorage({ root: join(dir, 'workspaces'), dataRoots: [dataRoot] }),
    settings: {
      dataRoots: [dataRoot],
      quota: { bytes: 1000, files: 5 },
      uploadLimit: 1000,
      tokenLifetime: 3600,
      jobTypes: builtInJobTypes(false),
      parameters: DEFAULT_JOB_PARAMETERS,
    },
    clock,
    log: () => undefined,
  }
})

afterEach(async () => {
  await db.close()
})

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: unknown) => (e instanceof LabgateError ? e.code : String(e)),
  )

describe('workspace use cases', () => {
  it('creates a workspace with files and symlinks, idle, with its disk space measured', async () => {
    const ws = await createWorkspace(d, 'u1', {
      name: 'n',
      description: 'd',
      defaultJobType: 'jupyter_lab',
      files: [{ name: 'nb/a.ipynb', content: '{"cells":[]}' }, { name: 'empty.txt' }],
      symlinks: [{ name: 'datasets/d1', source_path: join(dataRoot, 'datasets', 'd1') }],
    })
    expect(ws).toMatchObject({ status: 'idle', diskSpace: 12, ownerId: 'u1', defaultJobType: 'jupyter_lab' })
    expect(ws.details.current_workspace_details.files).toEqual([
      { name: 'nb/a.ipynb' },
      { name: 'empty.txt' },
    ])
    const dir = d.storage.dir({ ownerId: 'u1', id: ws.id })
    expect(await readFile(join(dir, 'nb', 'a.ipynb'), 'utf8')).toBe('{"cells":[]}')
    expect(await readlink(join(dir, 'datasets', 'd1'))).toBe(join(dataRoot, 'datasets', 'd1'))
  })

  it('leaves nothing behind when a name escapes, a symlink points outside, or the quota is exceeded', async () => {
    for (const input of [
      { files: [{ name: '../x', content: 'x' }] },
      { symlinks: [{ name: 'etc', source_path: '/etc' }] },
      { files: [{ name: 'big', content: 'x'.repeat(1001) }] },
      { defaultJobType: 'nope' },
    ]) {
      const code = await codeOf(createWorkspace(d, 'u1', { name: 'n', description: 'd', ...input }))
      expect(['bad_request', 'payload_too_large']).toContain(code)
    }
    expect(await db.workspaces.listWorkspaces({})).toEqual([])
    await expect(stat(d.storage.dir({ ownerId: 'u1', id: 1 }))).rejects.toThrow()
  })

  it("lists and gets only the caller's workspaces, with exact filters", async () => {
    const a = await createWorkspace(d, 'u1', { name: 'a', description: 'x' })
    await createWorkspace(d, 'u1', { name: 'b', description: 'x' })
    const other = await createWorkspace(d, 'u2', { name: 'a', description: 'x' })
    expect((await listWorkspaces(d, 'u1')).map((w) => w.name)).toEqual(['a', 'b'])
    expect((await listWorkspaces(d, 'u1', { name: 'a' })).map((w) => w.id)).toEqual([a.id])
    expect(await listWorkspaces(d, 'u1', { status: 'deleting' })).toEqual([])
    expect(await getWorkspace(d, 'u1', other.id)).toBeNull()
    expect(await codeOf(updateWorkspace(d, 'u1', other.id, { name: 'mine' }))).toBe('not_found')
  })

  it('renames and adds files, merging the details', async () => {
    const ws = await createWorkspace(d, 'u1', {
      name: 'a',
      description: 'x',
      files: [{ name: 'f', content: '1' }],
    })
    clock.advance(1000)
    const up = await updateWorkspace(d, 'u1', ws.id, {
      name: 'b',
      files: [{ name: 'f', content: '22' }, { name: 'g' }],
    })
    expect(up).toMatchObject({ name: 'b', description: 'x', diskSpace: 2, lastModifiedAt: clock.now() })
    expect(up.details.current_workspace_details.files).toEqual([{ name: 'f' }, { name: 'g' }])
  })

  it('deletes in the background, and refuses while a job lives', async () => {
    const ws = await createWorkspace(d, 'u1', { name: 'a', description: 'x', files: [{ name: 'f' }] })
    const job = await db.workspaces.createJob({
      workspaceId: ws.id,
      ownerId: 'u1',
      jobType: 'local_test',
      status: 'running',
      handle: null,
      sandbox: 'p-job1',
      resourceOptions: {},
      details: { metrics: {}, request_job_details: {}, current_job_details: {} },
      coreHours: 0,
      createdAt: clock.now(),
      startedAt: null,
      endedAt: null,
    })
    expect(await codeOf(deleteWorkspace(d, 'u1', ws.id))).toBe('bad_request')
    await db.workspaces.updateJob(job.id, { status: 'complete' })
    const { removed } = await deleteWorkspace(d, 'u1', ws.id)
    expect((await db.workspaces.getWorkspace(ws.id))?.status).toBe('deleting')
    await removed
    expect(await db.workspaces.getWorkspace(ws.id)).toBeNull()
    await expect(stat(d.storage.dir({ ownerId: 'u1', id: ws.id }))).rejects.toThrow()
    expect(await codeOf(deleteWorkspace(d, 'u1', ws.id))).toBe('not_found')
  })
})

describe('deletions in the background', () => {
  it('are kept for shutdown to wait on, and a restart finishes those left deleting', async () => {
    const background = new BackgroundWork()
    const kept = { ...d, background }
    const a = await createWorkspace(kept, 'u1', {
      name: 'a',
      description: '',
      files: [{ name: 'f', content: 'x' }],
    })
    const b = await createWorkspace(kept, 'u1', {
      name: 'b',
      description: '',
      files: [{ name: 'g', content: 'y' }],
    })
    await deleteWorkspace(kept, 'u1', a.id)
    expect(background.size).toBe(1)
    await background.drain()
    expect(await db.workspaces.getWorkspace(a.id)).toBeNull()
    // b as a crash leaves it: marked deleting, files still there
    await db.workspaces.updateWorkspace(b.id, { status: 'deleting' })
    expect(await resumeDeletions(kept)).toBe(1)
    await background.drain()
    expect(await db.workspaces.getWorkspace(b.id)).toBeNull()
    await expect(stat(d.storage.dir({ ownerId: 'u1', id: b.id }))).rejects.toThrow()
    expect(await resumeDeletions(kept)).toBe(0)
  })
})
