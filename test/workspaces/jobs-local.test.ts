/**
 * A real job on the local (bubblewrap) backend: `local_test` serves the workspace's files with python3's
 * `http.server` until the runner finds it ready, survives a restart of the runner and backend, and stops.
 */
import { request } from 'node:http'
import { existsSync } from 'node:fs'
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { SandboxEndpoint } from '../../src/backends/backend.js'
import { LocalBackend, checkLocalBackendPrerequisites } from '../../src/backends/local/index.js'
import { killSandboxesUnder } from '../../src/backends/local/testing.js'
import { createWorkspace } from '../../src/broker/workspaces/create-workspace.js'
import type { JobDeps } from '../../src/broker/workspaces/jobs/deps.js'
import { JobChanges } from '../../src/broker/workspaces/jobs/job-changes.js'
import { JobRunner } from '../../src/broker/workspaces/jobs/job-runner.js'
import { startJob } from '../../src/broker/workspaces/jobs/start-job.js'
import { stopJob } from '../../src/broker/workspaces/jobs/stop-job.js'
import { DEFAULT_JOB_PARAMETERS, builtInJobTypes } from '../../src/config/job-types.js'
import { systemClock } from '../../src/domain/clock.js'
import { LocalWorkspaceStorage } from '../../src/storage/local-storage.js'
import { openStore } from '../../src/store/open-store.js'

const prerequisites = await checkLocalBackendPrerequisites()
const dir = await mkdtemp(join(tmpdir(), 'labgate-jobs-local-'))
// Sandboxes run as other uids, which must reach the data directory and the workspaces below it.
await chmod(dir, 0o711)
const dataDir = join(dir, 'data')
afterAll(async () => {
  killSandboxesUnder(dataDir)
  await rm(dir, { recursive: true, force: true })
})

function get(endpoint: SandboxEndpoint, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ ...endpoint, path, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

/** A store with user alice, and job deps on a new local backend (portal `portal`, workspaces under `root`). */
async function setUp(portalName: string, jobTypes = builtInJobTypes(false)) {
  const db = await openStore({ sqlite: ':memory:' })
  await db.store.createUser({ id: 'alice', kind: 'registered', username: 'alice', at: 0 })
  const log = () => undefined
  const newBackend = () => new LocalBackend({ dataDir, log })
  const base: JobDeps = {
    workspaces: db.workspaces,
    storage: new LocalWorkspaceStorage({
      root: join(dir, `workspaces-${portalName}`),
      dataRoots: [],
      uids: { first: 300_000, count: 1000 },
    }),
    settings: {
      dataRoots: [],
      quota: { bytes: 0, files: 0 },
      uploadLimit: 1000,
      tokenLifetime: 3600,
      jobTypes,
      parameters: DEFAULT_JOB_PARAMETERS,
    },
    clock: systemClock,
    log,
    backend: newBackend(),
    portalName,
    urlDomain: () => 'http://127.0.0.1',
    changes: new JobChanges(),
  }
  return { db, base, newBackend }
}

const hasNotebook = ['/usr/bin/jupyter-notebook', '/usr/bin/jupyter-lab', '/usr/local/bin/jupyter-lab'].some(
  (p) => existsSync(p),
)

describe.skipIf(!prerequisites.ok)('a job on the local backend', () => {
  it('serves the workspace until it is stopped, across a restart', { timeout: 60_000 }, async () => {
    const { db, base, newBackend } = await setUp('portal')
    let d = base
    let runner = new JobRunner(d, { intervalMs: 200 })
    try {
      await runner.start()
      const ws = await createWorkspace(d, 'alice', {
        name: 'w',
        description: '',
        files: [{ name: 'hello.txt', content: 'hello from the workspace\n' }],
      })
      const job = await startJob(d, 'alice', ws.id, { job_type: 'local_test' })
      expect(job.status).toBe('running')
      await expect
        .poll(async () => (await db.workspaces.getJob(job.id))?.details.current_job_details.message, {
          timeout: 20_000,
          interval: 200,
        })
        .toBe('Webserver ready.')
      expect((await db.workspaces.getJob(job.id))?.details.current_job_details).toMatchObject({
        connection_details: { url_domain: 'http://127.0.0.1', url_path: `/passthrough/${job.id}/` },
      })
      const served = await get(await d.backend.connect!(job.handle!, 8888), '/hello.txt')
      expect(served).toEqual({ status: 200, body: 'hello from the workspace\n' })

      // A restart: the runner and the backend go, new ones adopt the job, whose sandbox kept running.
      await runner.close()
      await d.backend.close?.()
      d = { ...base, backend: newBackend() }
      runner = new JobRunner(d, { intervalMs: 200 })
      await runner.start()
      expect((await db.workspaces.getJob(job.id))?.status).toBe('running')
      expect((await d.backend.observe(job.handle!)).state).toBe('running')

      expect((await stopJob(d, 'alice', job.id)).message).toBe('Job queued to stop.')
      await expect
        .poll(async () => (await db.workspaces.getJob(job.id))?.status, { timeout: 20_000, interval: 100 })
        .toBe('complete')
      expect((await d.backend.observe(job.handle!)).state).toBe('gone')
      expect((await db.workspaces.getWorkspace(ws.id))?.status).toBe('idle')
      const output = await readFile(
        join(d.storage.dir({ ownerId: 'alice', id: ws.id }), `.jobs/${job.id}/output.log`),
        'utf8',
      )
      expect(output).toContain('GET /hello.txt')
    } finally {
      await runner.close()
      await d.backend.close?.()
      await db.close()
    }
  })

  it.skipIf(!hasNotebook)(
    'runs Jupyter under its base URL with its token until "Webserver ready."',
    { timeout: 90_000 },
    async () => {
      const { db, base: d } = await setUp('nb', builtInJobTypes())
      const runner = new JobRunner(d, { intervalMs: 300 })
      try {
        await runner.start()
        const ws = await createWorkspace(d, 'alice', { name: 'nb', description: '' })
        const job = await startJob(d, 'alice', ws.id, { job_type: 'jupyter_lab' })
        const details = async () => (await db.workspaces.getJob(job.id))?.details.current_job_details
        await expect
          .poll(async () => (await details())?.message, { timeout: 60_000, interval: 300 })
          .toBe('Webserver ready.')
        const { url_path } = (await details())!.connection_details as { url_path: string }
        expect(url_path).toMatch(new RegExp(`^/passthrough/${job.id}/(lab|tree)\\?token=[0-9a-f]{48}$`))
        const endpoint = await d.backend.connect!(job.handle!, 8888)
        // With the token the page opens; without it Jupyter asks for a login.
        expect((await get(endpoint, url_path)).status).toBe(200)
        expect((await get(endpoint, `/passthrough/${job.id}/api/contents`)).status).toBe(403)
        await stopJob(d, 'alice', job.id)
        await expect
          .poll(async () => (await db.workspaces.getJob(job.id))?.status, { timeout: 20_000 })
          .toBe('complete')
      } finally {
        await runner.close()
        await d.backend.close?.()
        await db.close()
      }
    },
  )
})
