import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LabgateError } from '../../domain/errors.js'
import type { SlurmApi, SlurmJob, SlurmSubmission } from './slurm-api.js'
import { parseJob, submissionBody } from './slurm-json.js'
import { connectSlurm } from './slurmrestd-client.js'

// The cluster of scripts/slurm-cluster.sh: `eval "$(scripts/slurm-cluster.sh start)"` sets these.
const SOCKET = process.env.LABGATE_SLURM_SOCKET
const URL_ = process.env.LABGATE_SLURM_URL
const JWT = process.env.LABGATE_SLURM_JWT
const START_HINT = 'run eval "$(scripts/slurm-cluster.sh start)" first'

/** The LabgateError `p` rejects with. */
async function failure(p: Promise<unknown>): Promise<LabgateError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(LabgateError)
  return e as LabgateError
}

/** Polls `read` every 100 ms until `done` holds for what it gives; fails after `timeoutMs`. */
async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await read()
    if (done(v)) return v
    if (Date.now() > deadline) throw new Error(`gave up waiting; last: ${JSON.stringify(v)}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe.skipIf(!SOCKET && !process.env.CI)('the slurmrestd client against the local cluster', () => {
  let api: SlurmApi
  let dir: string
  const submitted: number[] = []

  beforeAll(async () => {
    if (!SOCKET) throw new Error(`LABGATE_SLURM_SOCKET is not set: ${START_HINT}`)
    api = await connectSlurm({ socketPath: SOCKET })
    dir = await mkdtemp(join(tmpdir(), 'labgate-slurm-test-'))
  })

  afterAll(async () => {
    for (const id of submitted) await api?.cancel(id).catch(() => undefined)
    api?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  /** Submits a job with a working directory and output in the test's directory; records it for cleanup. */
  async function submit(name: string, script: string, more: Partial<SlurmSubmission> = {}): Promise<number> {
    const id = await api.submit({
      name: `labgate-test.${name}`,
      comment: 'labgate-test',
      script,
      workDir: dir,
      output: join(dir, `${name}.out`),
      environment: { PATH: '/usr/bin:/bin', LABGATE_TEST_VAR: 'a value with spaces' },
      ...more,
    })
    submitted.push(id)
    return id
  }

  const state = (id: number) => async () => (await api.job(id))?.state
  const ended = (s: string | undefined) =>
    s !== undefined && !['PENDING', 'RUNNING', 'COMPLETING'].includes(s)

  it('negotiates v0.0.38 and pings slurmctld', async () => {
    expect(api.version).toBe('v0.0.38')
    await api.ping()
  })

  it('submits a job, sees it run with its name and comment, cancels it', async () => {
    const id = await submit('sleeper', '#!/bin/sh\nsleep 30')
    expect(id).toBeGreaterThan(0)
    const running = await until(
      () => api.job(id),
      (j) => j?.state === 'RUNNING',
    )
    expect(running).toMatchObject<Partial<SlurmJob>>({
      jobId: id,
      name: 'labgate-test.sleeper',
      comment: 'labgate-test',
      reason: 'None',
      endTime: 0,
      exitCode: null,
    })
    expect(running!.nodes).not.toBe('')
    expect(running!.startTime).toBeGreaterThanOrEqual(running!.submitTime)
    const listed = (await api.jobs()).find((j) => j.jobId === id)
    expect(listed).toMatchObject({ name: 'labgate-test.sleeper', comment: 'labgate-test', state: 'RUNNING' })

    await api.cancel(id)
    const cancelled = await until(
      () => api.job(id),
      (j) => j?.state === 'CANCELLED',
    )
    expect(cancelled!.endTime).toBeGreaterThan(0)
    await api.cancel(id) // an ended job: resolves
  })

  it('reports a script that exits 3 as FAILED with exit code 3, having run with exactly its environment', async () => {
    const id = await submit('exit3', '#!/bin/sh\nenv\nexit 3')
    await until(state(id), ended)
    const job = await api.job(id)
    expect(job).toMatchObject({ state: 'FAILED', exitCode: 3, reason: 'NonZeroExitCode' })
    const out = await readFile(join(dir, 'exit3.out'), 'utf8')
    expect(out).toContain('LABGATE_TEST_VAR=a value with spaces')
    expect(out).toContain(`PWD=${dir}`)
    expect(out).not.toMatch(/^LABGATE_SLURM_SOCKET=/m)
  })

  it('reports a script that exits 0 as COMPLETED with exit code 0', async () => {
    const id = await submit('exit0', '#!/bin/sh\ntrue')
    await until(state(id), ended)
    expect(await api.job(id)).toMatchObject({ state: 'COMPLETED', exitCode: 0 })
  })

  it('reports the time limit in minutes, and none as null', async () => {
    const limited = await submit('limited', '#!/bin/sh\nsleep 30', {
      timeLimitMinutes: 1,
      cpusPerTask: 1,
      memoryPerNodeMb: 64,
    })
    expect((await api.job(limited))?.timeLimitMinutes).toBe(1)
    const unlimited = await submit('unlimited', '#!/bin/sh\nsleep 30')
    expect((await api.job(unlimited))?.timeLimitMinutes).toBeNull()
    await api.cancel(limited)
    await api.cancel(unlimited)
  })

  it('refuses a partition that does not exist, naming it', async () => {
    const e = await failure(submit('nowhere', '#!/bin/sh\ntrue', { partition: 'no-such-partition' }))
    expect(e.code).toBe('backend_failed')
    expect(e.message).toContain('"no-such-partition"')
    expect(e.message).toMatch(/invalid partition/i)
  })

  it('submits with an empty environment', async () => {
    const id = await submit('noenv', '#!/bin/sh\ntrue', { environment: {} })
    await until(state(id), ended)
    expect(await api.job(id)).toMatchObject({ state: 'COMPLETED' })
  })

  it('answers null for a job the cluster does not know, and cancels it without complaint', async () => {
    expect(await api.job(999999999)).toBeNull()
    await api.cancel(999999999)
  })

  it('says where slurmrestd is and how to start it when its socket does not exist', async () => {
    const e = await failure(connectSlurm({ socketPath: join(dir, 'nothing.sock') }))
    expect(e.code).toBe('backend_failed')
    expect(e.message).toContain(`cannot reach slurmrestd at ${join(dir, 'nothing.sock')}`)
    expect(e.message).toContain('scripts/slurm-cluster.sh start')
  })

  describe.skipIf(!URL_ && !process.env.CI)('over HTTP with a JWT', () => {
    it('pings and lists jobs', async () => {
      if (!URL_ || !JWT) throw new Error(`LABGATE_SLURM_URL and LABGATE_SLURM_JWT are not set: ${START_HINT}`)
      const jwt = await connectSlurm({ url: URL_, token: JWT })
      try {
        expect(jwt.version).toBe('v0.0.38')
        await jwt.ping()
        expect(Array.isArray(await jwt.jobs())).toBe(true)
      } finally {
        jwt.close()
      }
    })

    it('rejects a wrong token clearly', async () => {
      const bad = await connectSlurm({ url: URL_!, user: 'root', token: 'not-a-token' })
      try {
        const e = await failure(bad.ping())
        expect(e.code).toBe('backend_failed')
        expect(e.message).toContain(new URL(URL_!).origin)
        expect(e.message).toMatch(/JWT/)
        expect((await failure(bad.job(1))).message).toMatch(/JWT/)
      } finally {
        bad.close()
      }
    })

    it('refuses a URL without a token before trying it', async () => {
      const e = await failure(connectSlurm({ url: URL_! }))
      expect(e.code).toBe('config_invalid')
      expect(e.message).toContain('JWT')
    })
  })
})

describe('the slurmrestd client against a stand-in server', () => {
  let server: Server
  let url: string
  /** What the stand-in answers to GET /openapi/v3; null: never answer. */
  let openapi: unknown = null
  let lastUser: unknown
  beforeAll(async () => {
    server = createServer((req, res) => {
      lastUser = req.headers['x-slurm-user-name']
      if (openapi === null) return
      res.setHeader('Content-Type', 'application/json')
      res.end(JSON.stringify(req.url === '/openapi/v3' ? openapi : {}))
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
  })

  const paths = (...versions: string[]) => ({
    paths: Object.fromEntries(
      versions.flatMap((v) => [
        [`/slurm/${v}/ping`, {}],
        [`/slurmdb/${v}/jobs`, {}],
      ]),
    ),
  })

  it('picks the newest version it speaks, and says which ones it speaks when the server offers none', async () => {
    openapi = paths('v0.0.39', 'v0.0.40', 'v0.0.41', 'v0.0.42')
    const api = await connectSlurm({ url, user: 'u', token: 't' })
    expect(api.version).toBe('v0.0.41')
    api.close()
    openapi = paths('v0.0.37', 'v0.0.36')
    const e = await failure(connectSlurm({ url, user: 'u', token: 't' }))
    expect(e.code).toBe('backend_failed')
    expect(e.message).toBe(
      `slurmrestd at ${url} offers OpenAPI versions v0.0.36, v0.0.37; labgate speaks v0.0.38 and newer`,
    )
  })

  it('gives up on a server that does not answer', async () => {
    openapi = null
    const e = await failure(connectSlurm({ url, user: 'u', token: 't', timeoutMs: 200 }))
    expect(e.code).toBe('backend_failed')
    expect(e.message).toContain('did not answer GET /openapi/v3 within 200 ms')
  })

  it("takes the user from the token's sun claim", async () => {
    openapi = paths('v0.0.38')
    const claims = Buffer.from(JSON.stringify({ sun: 'alice' })).toString('base64url')
    const api = await connectSlurm({ url, token: `e30.${claims}.sig` })
    api.close()
    expect(lastUser).toBe('alice')
    const e = await failure(connectSlurm({ url, token: 'opaque' }))
    expect(e.code).toBe('config_invalid')
  })
})

describe("slurmrestd's wire JSON", () => {
  const job = {
    name: 'n',
    comment: 'c',
    script: '#!/bin/sh\ntrue',
    workDir: '/w',
    output: '/w/out',
    environment: { A: 'b=c' },
    timeLimitMinutes: 5,
    memoryPerNodeMb: 100,
  }

  it('writes v0.0.38 numbers and environment plainly, later versions as objects and NAME=value lists', () => {
    expect(submissionBody('v0.0.38', job).job).toMatchObject({
      environment: { A: 'b=c' },
      time_limit: 5,
      memory_per_node: 100,
      nodes: 1,
      standard_output: '/w/out',
      standard_error: '/w/out',
    })
    expect(submissionBody('v0.0.40', job).job).toMatchObject({
      environment: ['A=b=c'],
      time_limit: { set: true, infinite: false, number: 5 },
      memory_per_node: { set: true, infinite: false, number: 100 },
      minimum_nodes: 1,
      maximum_nodes: 1,
    })
  })

  it('reads v0.0.38 jobs: raw wait status, null for no limit, the projected end of a running job as 0', () => {
    const base = { job_id: 7, name: 'n', comment: 'c', submit_time: 10, start_time: 11, nodes: 'vm' }
    expect(
      parseJob({ ...base, job_state: 'FAILED', exit_code: 768, end_time: 12, time_limit: 1 }),
    ).toMatchObject({
      state: 'FAILED',
      exitCode: 3,
      endTime: 12,
      timeLimitMinutes: 1,
    })
    expect(parseJob({ ...base, job_state: 'CANCELLED', exit_code: 15, end_time: 12 })?.exitCode).toBe(143)
    expect(
      parseJob({ ...base, job_state: 'RUNNING', exit_code: 0, end_time: 99, time_limit: null }),
    ).toMatchObject({
      exitCode: null,
      endTime: 0,
      timeLimitMinutes: null,
    })
    expect(parseJob({ job_state: 'RUNNING' })).toBeNull()
  })

  it('reads v0.0.40 jobs: state lists, {set, infinite, number} numbers, verbose exit codes', () => {
    const n = (number: number) => ({ set: true, infinite: false, number })
    const raw = {
      job_id: 8,
      job_state: ['CANCELLED', 'COMPLETING'],
      submit_time: n(10),
      start_time: n(11),
      end_time: n(12),
      time_limit: { set: false, infinite: true, number: 0 },
      exit_code: { status: ['SIGNALED'], return_code: n(0), signal: { id: n(9), name: 'KILL' } },
    }
    expect(parseJob(raw)).toMatchObject({
      state: 'COMPLETING',
      submitTime: 10,
      endTime: 12,
      timeLimitMinutes: null,
      exitCode: 137,
    })
    expect(
      parseJob({ ...raw, job_state: ['FAILED'], exit_code: { status: ['EXITED'], return_code: n(2) } }),
    ).toMatchObject({ state: 'FAILED', exitCode: 2 })
  })
})
