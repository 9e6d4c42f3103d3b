import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { SessionBackend } from '../../src/backends/backend.js'
import { CrashingFakeBackend, FakeBackend, FakeWorld } from '../../src/backends/fake/index.js'
import { createWorkspace } from '../../src/broker/workspaces/create-workspace.js'
import type { JobDeps } from '../../src/broker/workspaces/jobs/deps.js'
import { JobChanges } from '../../src/broker/workspaces/jobs/job-changes.js'
import { JobRunner } from '../../src/broker/workspaces/jobs/job-runner.js'
import { startJob } from '../../src/broker/workspaces/jobs/start-job.js'
import { stopJob } from '../../src/broker/workspaces/jobs/stop-job.js'
import { DEFAULT_JOB_PARAMETERS, builtInJobTypes } from '../../src/config/job-types.js'
import { ManualClock } from '../../src/domain/clock.js'
import { LabgateError } from '../../src/domain/errors.js'
import { LocalWorkspaceStorage } from '../../src/storage/local-storage.js'
import { openStore, type OpenStore } from '../../src/store/open-store.js'
import type { JobRecord } from '../../src/store/workspace-records.js'
import { overriding } from '../overriding.js'

let db: OpenStore
let d: JobDeps
let world: FakeWorld
let backend: FakeBackend
let dataRoot: string
let runner: JobRunner | null
const clock = new ManualClock()
const OPTIONS = { num_cpus: 2, memory_mb: 2048, time_limit_minutes: 60, gpu_enabled: false }

function deps(b: SessionBackend): JobDeps {
  return { ...d, backend: b }
}

beforeEach(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'labgate-job-cases-'))
  dataRoot = join(dir, 'data')
  await mkdir(dataRoot, { recursive: true })
  db = await openStore({ sqlite: ':memory:' })
  for (const id of ['alice', 'bob'])
    await db.store.createUser({ id, kind: 'registered', username: id, at: 0 })
  world = new FakeWorld()
  backend = new FakeBackend({ world })
  runner = null
  d = {
    workspaces: db.workspaces,
    storage: new LocalWorkspaceStorage({ root: join(dir, 'workspaces'), dataRoots: [dataRoot] }),
    settings: {
      dataRoots: [dataRoot],
      quota: { bytes: 0, files: 0 },
      uploadLimit: 1000,
      tokenLifetime: 3600,
      jobTypes: [
        ...builtInJobTypes(false),
        { ...builtInJobTypes(false)[1]!, id: 'batch', name: 'Batch', port: null },
      ],
      parameters: DEFAULT_JOB_PARAMETERS,
    },
    clock,
    log: () => undefined,
    backend,
    portalName: 'portal',
    urlDomain: (id) => `https://job-${id}.labs.test`,
    changes: new JobChanges(),
  }
})

afterEach(async () => {
  await runner?.close()
  await db.close()
})

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: unknown) => (e instanceof LabgateError ? `${e.code}: ${e.message}` : String(e)),
  )

const workspace = (owner = 'alice', name = 'w') =>
  createWorkspace(d, owner, { name, description: '', defaultJobType: 'local_test' })

const sandboxOf = (job: JobRecord) => world.sandboxes.get(String(job.handle!.id))!

describe('starting a job', () => {
  it('runs a sandbox on the workspace and marks the workspace active', async () => {
    const ws = await workspace()
    const seen: string[] = []
    d.changes.onChange((j) => seen.push(j.status))
    const job = await startJob(d, 'alice', ws.id, { resource_options: OPTIONS, job_details: { x: 1 } })
    expect(job).toMatchObject({
      workspaceId: ws.id,
      ownerId: 'alice',
      jobType: 'local_test',
      status: 'running',
      sandbox: `portal-job${job.id}`,
      startedAt: clock.now(),
      endedAt: null,
      resourceOptions: OPTIONS,
    })
    expect(job.details.current_job_details.message).toBe('Webserver not ready.')
    expect(job.details.request_job_details).toMatchObject({ job_details: { x: 1 }, job_type: 'local_test' })
    expect(seen).toEqual(['pending', 'running'])
    const sandbox = sandboxOf(job)
    const ref = { ownerId: 'alice', id: ws.id }
    expect(sandbox.home).toEqual({ dir: d.storage.dir(ref), owner: d.storage.owner(ref) })
    expect(sandbox.mounts).toEqual([{ source: dataRoot, target: dataRoot, readOnly: true }])
    expect(sandbox.spec.limits).toEqual({ cpus: 2, memoryBytes: 2048 * 1024 * 1024 })
    expect(sandbox.spec.env).toMatchObject({
      LABGATE_JOB_PORT: '8888',
      LABGATE_JOB_BASE_URL: `/passthrough/${job.id}/`,
      LABGATE_JOB_ID: String(job.id),
    })
    expect(sandbox.spec.env.LABGATE_JOB_TOKEN).toMatch(/^[0-9a-f]{48}$/)
    expect(sandbox.command?.[2]).toContain('python3 -m http.server')
    expect(await db.workspaces.getWorkspace(ws.id)).toMatchObject({
      status: 'active',
      lastJobLaunchAt: clock.now(),
    })
  })

  it('refuses, storing nothing, what the original refuses', async () => {
    const ws = await workspace()
    const bare = await createWorkspace(d, 'alice', { name: 'bare', description: '' })
    expect(await codeOf(startJob(d, 'bob', ws.id, {}))).toBe(`not_found: Workspace ${ws.id} not found.`)
    expect(await codeOf(startJob(d, 'alice', 999, {}))).toMatch(/^not_found/)
    expect(await codeOf(startJob(d, 'alice', ws.id, { job_type: 'nope' }))).toMatch(
      /^bad_request: Invalid job_type "nope"/,
    )
    expect(await codeOf(startJob(d, 'alice', bare.id, {}))).toMatch(/^bad_request: Missing job_type/)
    expect(
      await codeOf(startJob(d, 'alice', ws.id, { resource_options: { num_cpus: true, memory_mb: 1 } })),
    ).toBe(
      'unprocessable: Invalid resource options found: ["num_cpus must be an int, got true","memory_mb must be at least 1024, got 1"]',
    )
    await db.workspaces.updateWorkspace(ws.id, { status: 'deleting' })
    expect(await codeOf(startJob(d, 'alice', ws.id, {}))).toMatch(/^bad_request: Workspace \d+ is deleting/)
    expect(await db.workspaces.listJobs()).toEqual([])
    expect(world.starts).toBe(0)
  })

  it('ends the job failed, and the workspace idle, when its sandbox cannot start', async () => {
    const ws = await workspace()
    const failing = deps(new CrashingFakeBackend({ world, when: 'start' }))
    expect(await codeOf(startJob(failing, 'alice', ws.id, {}))).toMatch(/^backend_failed/)
    const [job] = await db.workspaces.listJobs()
    expect(job).toMatchObject({ status: 'failed', endedAt: clock.now(), handle: null })
    expect(job!.details.current_job_details.message).toMatch(/^The job could not start: /)
    expect((await db.workspaces.getWorkspace(ws.id))?.status).toBe('idle')
  })
})

describe('the job runner', () => {
  it('says "Webserver ready." with the connection details once the job\'s web server answers', async () => {
    const ws = await workspace()
    const job = await startJob(d, 'alice', ws.id, { job_type: 'jupyter_lab' })
    runner = new JobRunner(d, { probeTimeoutMs: 500 })
    await runner.tick()
    expect((await db.workspaces.getJob(job.id))?.details.current_job_details.message).toBe(
      'Webserver not ready.',
    )
    const paths: string[] = []
    const server = createServer((req, res) => {
      paths.push(req.url!)
      res.end('{}')
    })
    await world.listen(job.sandbox, 8888, server)
    const token = sandboxOf(job).spec.env.LABGATE_JOB_TOKEN!
    await runner.tick()
    const ready = await db.workspaces.getJob(job.id)
    expect(ready?.status).toBe('running')
    expect(ready?.details.current_job_details).toMatchObject({
      message: 'Webserver ready.',
      connection_details: {
        url_domain: `https://job-${job.id}.labs.test`,
        url_path: `/passthrough/${job.id}/tree?token=${token}`,
      },
    })
    expect(paths).toEqual([`/passthrough/${job.id}/api`])
    await runner.tick()
    expect(paths).toHaveLength(1)
  })

  it('watches a starting web UI closely, not only at each pass', async () => {
    runner = new JobRunner(d, { intervalMs: 60_000, probeTimeoutMs: 500 })
    await runner.start()
    const ws = await workspace()
    const job = await startJob(d, 'alice', ws.id, { job_type: 'jupyter_lab' })
    await new Promise((r) => setTimeout(r, 300))
    const message = async () => (await db.workspaces.getJob(job.id))?.details.current_job_details.message
    expect(await message()).toBe('Webserver not ready.')
    let probes = 0
    const server = createServer((_req, res) => {
      probes++
      res.end('{}')
    })
    await world.listen(job.sandbox, 8888, server)
    const deadline = Date.now() + 3000
    while ((await message()) !== 'Webserver ready.' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20))
    expect(await message()).toBe('Webserver ready.')
    await new Promise((r) => setTimeout(r, 300))
    expect(probes).toBe(1)
  })

  it('ends a job whose sandbox went: complete, or failed on a non-zero exit status', async () => {
    const ws = await workspace()
    const a = await startJob(d, 'alice', ws.id, { resource_options: OPTIONS })
    const b = await startJob(d, 'alice', ws.id, {})
    runner = new JobRunner(d)
    clock.advance(30 * 60_000)
    await mkdir(join(d.storage.dir({ ownerId: 'alice', id: ws.id }), `.jobs/${b.id}`), { recursive: true })
    await writeFile(join(d.storage.dir({ ownerId: 'alice', id: ws.id }), `.jobs/${b.id}/exit-status`), '3\n')
    backend.kill(a.handle!)
    await runner.tick()
    expect(await db.workspaces.getJob(a.id)).toMatchObject({
      status: 'complete',
      endedAt: clock.now(),
      coreHours: 1,
    })
    expect((await db.workspaces.getWorkspace(ws.id))?.status).toBe('active')
    backend.kill(b.handle!)
    await runner.tick()
    const failed = await db.workspaces.getJob(b.id)
    expect(failed?.status).toBe('failed')
    expect(failed?.details.current_job_details.message).toBe('The job ended with exit status 3.')
    expect((await db.workspaces.getWorkspace(ws.id))?.status).toBe('idle')
  })

  it("ends a job and sets its workspace's status in one write: a failure between them changes neither", async () => {
    const ws = await workspace()
    const job = await startJob(d, 'alice', ws.id, {})
    // A store whose workspace updates fail inside transactions: the end's second half cannot be written.
    const failing = overriding(db.workspaces, {
      transaction: ((fn: (tx: typeof db.workspaces) => Promise<unknown>) =>
        db.workspaces.transaction((tx) =>
          fn(
            overriding(tx, {
              updateWorkspace: async () => {
                throw new Error('disk full')
              },
            }),
          ),
        )) as typeof db.workspaces.transaction,
    })
    runner = new JobRunner({ ...d, workspaces: failing })
    backend.kill(job.handle!)
    await runner.tick()
    expect((await db.workspaces.getJob(job.id))?.status).toBe('running')
    expect((await db.workspaces.getWorkspace(ws.id))?.status).toBe('active')
    // with the store well again, the next pass ends both
    runner = new JobRunner(d)
    await runner.tick()
    expect((await db.workspaces.getJob(job.id))?.status).toBe('complete')
    expect((await db.workspaces.getWorkspace(ws.id))?.status).toBe('idle')
  })

  it('stops a job at its time limit', async () => {
    const ws = await workspace()
    const job = await startJob(d, 'alice', ws.id, { resource_options: { time_limit_minutes: 5 } })
    runner = new JobRunner(d)
    clock.advance(5 * 60_000 - 1)
    await runner.tick()
    expect(sandboxOf(job).state).toBe('running')
    clock.advance(1)
    await runner.tick()
    expect(sandboxOf(job).state).toBe('gone')
    expect(await db.workspaces.getJob(job.id)).toMatchObject({ status: 'complete', coreHours: 5 / 60 })
    expect((await db.workspaces.getWorkspace(ws.id))?.status).toBe('idle')
  })

  it('re-adopts live jobs after a restart: running ones keep running, the others end', async () => {
    const ws = await workspace()
    const kept = await startJob(d, 'alice', ws.id, {})
    const vanished = await startJob(d, 'alice', ws.id, {})
    const orphan = await db.workspaces.createJob({
      ...kept,
      status: 'pending',
      handle: null,
      sandbox: 'portal-orphan',
      startedAt: null,
    })
    const elsewhere = await db.workspaces.createJob({
      ...kept,
      status: 'stopping',
      handle: { backend: 'kubernetes', pod: 'x' },
      sandbox: 'portal-elsewhere',
    })
    runner = new JobRunner(d, { intervalMs: 60_000 })
    await runner.start()
    await runner.close()
    backend.kill(vanished.handle!)
    // A new process: a new backend on the same machine, a new runner.
    const next = deps(new FakeBackend({ world }))
    runner = new JobRunner(next, { intervalMs: 60_000 })
    await runner.start()
    expect((await db.workspaces.getJob(kept.id))?.status).toBe('running')
    expect(sandboxOf(kept).state).toBe('running')
    expect((await db.workspaces.getJob(vanished.id))?.status).toBe('complete')
    expect(await db.workspaces.getJob(orphan.id)).toMatchObject({ status: 'failed' })
    expect((await db.workspaces.getJob(elsewhere.id))?.details.current_job_details).toEqual({
      message: 'The job ran on the kubernetes backend, which labgate no longer uses.',
    })
    expect((await db.workspaces.getWorkspace(ws.id))?.status).toBe('active')
    const { message } = await stopJob(next, 'alice', kept.id)
    expect(message).toBe('Job queued to stop.')
    await runner.tick()
    expect(sandboxOf(kept).state).toBe('gone')
    expect((await db.workspaces.getWorkspace(ws.id))?.status).toBe('idle')
  })
})

describe('stopping a job', () => {
  it('queues a running job, whose sandbox the runner then stops', async () => {
    const ws = await workspace()
    const job = await startJob(d, 'alice', ws.id, { resource_options: OPTIONS })
    runner = new JobRunner(d, { intervalMs: 60_000 })
    await runner.start()
    clock.advance(3_600_000)
    expect(await codeOf(stopJob(d, 'bob', job.id))).toBe(`not_found: Job ${job.id} not found.`)
    const ended = new Promise<JobRecord>((resolve) =>
      d.changes.onChange((j) => j.status === 'complete' && resolve(j)),
    )
    const stop = await stopJob(d, 'alice', job.id)
    expect(stop).toMatchObject({ message: 'Job queued to stop.', job: { status: 'stopping' } })
    // The runner acts on the stop at once, without waiting for its next tick.
    expect(await ended).toMatchObject({ id: job.id, status: 'complete', coreHours: 2, endedAt: clock.now() })
    expect(sandboxOf(job).state).toBe('gone')
    expect((await db.workspaces.getWorkspace(ws.id))?.status).toBe('idle')
    expect(await codeOf(stopJob(d, 'alice', job.id))).toBe('bad_request: This job is not running or pending.')
  })

  it('ends at once a job whose sandbox never started', async () => {
    const ws = await workspace()
    await db.workspaces.updateWorkspace(ws.id, { status: 'active' })
    const job = await db.workspaces.createJob({
      workspaceId: ws.id,
      ownerId: 'alice',
      jobType: 'local_test',
      status: 'pending',
      handle: null,
      sandbox: 'portal-pending',
      resourceOptions: {},
      details: { metrics: {}, request_job_details: {}, current_job_details: {} },
      coreHours: 0,
      createdAt: clock.now(),
      startedAt: null,
      endedAt: null,
    })
    const stop = await stopJob(d, 'alice', job.id)
    expect(stop).toMatchObject({ message: 'Successful stop.', job: { status: 'complete', coreHours: 0 } })
    expect((await db.workspaces.getWorkspace(ws.id))?.status).toBe('idle')
  })

  it("ends a job whose sandbox went with the backend's words: failed when it says the job failed", async () => {
    const ws = await workspace()
    const failed = await startJob(d, 'alice', ws.id, {})
    const timedOut = await startJob(d, 'alice', ws.id, {})
    const says = new Map([
      [failed.id, { state: 'gone' as const, reason: 'the compute node cn017 failed', failed: true }],
      [timedOut.id, { state: 'gone' as const, reason: 'the Slurm job reached its time limit (5 min)' }],
    ])
    const byHandle = (h: unknown) =>
      [failed, timedOut].find((j) => j.handle === h || JSON.stringify(j.handle) === JSON.stringify(h))
    const slurmLike = overriding(backend, {
      observe: async (h) => says.get(byHandle(h)!.id)!,
    })
    runner = new JobRunner(deps(slurmLike))
    await runner.tick()
    expect(await db.workspaces.getJob(failed.id)).toMatchObject({ status: 'failed' })
    expect((await db.workspaces.getJob(failed.id))?.details.current_job_details.message).toBe(
      "The job's sandbox is gone: the compute node cn017 failed.",
    )
    expect(await db.workspaces.getJob(timedOut.id)).toMatchObject({ status: 'complete' })
    expect((await db.workspaces.getJob(timedOut.id))?.details.current_job_details.message).toBe(
      "The job's sandbox is gone: the Slurm job reached its time limit (5 min).",
    )
  })
})
