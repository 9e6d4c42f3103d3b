/** Real workspace dependencies for use-case tests: an in-memory SQLite store and storage on a temp dir. */
import { mkdir, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { WorkspaceDeps } from '../../src/broker/workspaces/deps.js'
import { DEFAULT_JOB_PARAMETERS, builtInJobTypes } from '../../src/config/job-types.js'
import { ManualClock } from '../../src/domain/clock.js'
import { LabgateError } from '../../src/domain/errors.js'
import { LocalWorkspaceStorage } from '../../src/storage/local-storage.js'
import { openStore, type OpenStore } from '../../src/store/open-store.js'

export interface WorkspaceFixture {
  d: WorkspaceDeps
  db: OpenStore
  clock: ManualClock
  /** The temp directory holding `workspaces/` and `data/`. */
  dir: string
  dataRoot: string
  logs: string[]
}

/** Users `u1`, `u2`, `u3` (registered) and `boss` (staff); quota 1000 bytes, 5 files; upload limit 600. */
export async function workspaceFixture(): Promise<WorkspaceFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'labgate-ws-fixture-'))
  const dataRoot = join(dir, 'data')
  await mkdir(dataRoot, { recursive: true })
  const db = await openStore({ sqlite: ':memory:' })
  for (const id of ['u1', 'u2', 'u3'])
    await db.store.createUser({ id, kind: 'registered', username: id, email: `${id}@example.org`, at: 0 })
  await db.store.createUser({ id: 'boss', kind: 'staff', username: 'boss', at: 0 })
  const clock = new ManualClock()
  const logs: string[] = []
  const d: WorkspaceDeps = {
    workspaces: db.workspaces,
    storage: new LocalWorkspaceStorage({ root: join(dir, 'workspaces'), dataRoots: [dataRoot] }),
    settings: {
      dataRoots: [dataRoot],
      quota: { bytes: 1000, files: 5 },
      uploadLimit: 600,
      tokenLifetime: 3600,
      jobTypes: builtInJobTypes(false),
      parameters: DEFAULT_JOB_PARAMETERS,
    },
    clock,
    log: (m) => logs.push(m),
  }
  return { d, db, clock, dir, dataRoot, logs }
}

/** The code of the `LabgateError` a promise rejects with (its message after a colon), or `resolved`. */
export const outcomeOf = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'resolved',
    (e: unknown) => (e instanceof LabgateError ? `${e.code}: ${e.message}` : `other: ${String(e)}`),
  )
