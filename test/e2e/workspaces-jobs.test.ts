/**
 * Jobs through the workspaces API, as the HuBMAP portal and the stress client drive them: start a job on
 * a workspace, read it from `GET /jobs`, stop it; on the fake backend, and once on the local backend
 * across a restart of labgate (whose start-up sweep must leave jobs' sandboxes running).
 */
import { createServer } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { FakeBackend } from '../../src/backends/fake/index.js'
import { checkLocalBackendPrerequisites } from '../../src/backends/local/index.js'
import { startHarness, type Harness } from '../harness.js'

// JSON answers, read by path.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Envelope = { success: boolean; message: string; data?: Record<string, any>; token?: string }

function client(h: () => Harness) {
  let key = ''
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${h().url}${path}`, {
      method,
      headers: { 'UWS-Authorization': `Token ${key}`, 'Content-Type': 'application/json' },
      redirect: 'manual',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    return { status: res.status, body: (await res.json()) as Envelope }
  }
  const statusSocket = (jobId: number) =>
    new WebSocket(`${h().url.replace('http', 'ws')}/jobs/${jobId}/`, ['labgate-token', key])
  const signIn = async (username: string) => {
    const res = await fetch(`${h().url}/tokens/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        client_token: await h().token(),
        user_info: { username, email: `${username}@example.org` },
      }),
    })
    key = ((await res.json()) as Envelope).token!
  }
  return { call, signIn, statusSocket }
}

const START = {
  job_type: 'local_test',
  job_details: {},
  resource_options: { num_cpus: 1, memory_mb: 1024, time_limit_minutes: 60, gpu_enabled: false },
}

describe('jobs through the workspaces API (fake backend)', () => {
  let h: Harness
  const { call, signIn, statusSocket } = client(() => h)
  beforeAll(async () => {
    h = await startHarness({ backend: 'fake', workshops: [{ name: 'shell' }], workspaces: {} })
    await signIn('alice')
  })
  afterAll(async () => h?.close())

  it('starts a job, shows it ready in GET /jobs, and stops it', async () => {
    const created = await call('POST', '/workspaces', { name: 'w', description: 'd' })
    const wsId = created.body.data!.workspace.id as number
    const start = await call('PUT', `/workspaces/${wsId}/start`, START)
    expect(start.status).toBe(200)
    expect(start.body).toMatchObject({
      success: true,
      message: 'Successful start.',
      data: { job: { workspace_id: wsId, job_type: 'local_test', status: 'running', core_hours: 0 } },
    })
    const job = start.body.data!.job
    expect(job.resource_job_id).toBe(job.id)
    const ws = await call('GET', `/workspaces/${wsId}`)
    expect(ws.body.data!.workspaces[0]).toMatchObject({ status: 'active' })
    expect(ws.body.data!.workspaces[0].datetime_last_job_launch).toMatch(/Z$/)

    const jobs = await call('GET', '/jobs')
    expect(jobs.body.data!.jobs).toMatchObject([
      {
        id: job.id,
        workspace_id: wsId,
        status: 'running',
        job_details: { current_job_details: { message: 'Webserver not ready.' } },
      },
    ])
    // The job-status WebSocket tells its owner of every change from now on.
    const socket = statusSocket(job.id)
    const frames: { status: string; current_job_details: { message?: string } }[] = []
    socket.addEventListener('message', (e) => frames.push(JSON.parse(String(e.data))))
    await new Promise((r) => socket.addEventListener('open', r))
    await expect.poll(() => frames[0]?.current_job_details.message).toBe('Webserver not ready.')
    // Something answers on the job's port: the runner finds the web server ready.
    const backend = h.lg.deps.backend as FakeBackend
    await backend.world.listen(
      `${h.lg.config.portal.name}-job${job.id}`,
      8888,
      createServer((_, res) => res.end('ok')),
    )
    await expect
      .poll(async () => (await call('GET', `/jobs/${job.id}`)).body.data!.jobs[0].job_details, {
        timeout: 10_000,
      })
      .toMatchObject({
        current_job_details: {
          message: 'Webserver ready.',
          connection_details: {
            url_domain: h.url,
            url_path: expect.stringMatching(new RegExp(`^/passthrough/${job.id}/\\?labgate_ticket=[\\w-]+$`)),
          },
        },
      })
    await expect.poll(() => frames.map((f) => f.current_job_details.message)).toContain('Webserver ready.')

    // The owner's browser enters with the ticket in url_path, and its cookie carries on.
    const details = (await call('GET', `/jobs/${job.id}`)).body.data!.jobs[0].job_details.current_job_details
    const entry = await fetch(details.connection_details.url_domain + details.connection_details.url_path, {
      redirect: 'manual',
    })
    expect(entry.status).toBe(302)
    expect(entry.headers.get('location')).toBe(`/passthrough/${job.id}/`)
    const cookie = entry.headers.getSetCookie()[0]!.split(';')[0]!
    const page = await fetch(`${h.url}/passthrough/${job.id}/`, { headers: { cookie }, redirect: 'manual' })
    expect({ status: page.status, body: await page.text() }).toEqual({ status: 200, body: 'ok' })
    expect((await fetch(`${h.url}/passthrough/${job.id}/`, { redirect: 'manual' })).status).toBe(401)

    const stop = await call('PUT', `/jobs/${job.id}/stop`)
    expect(stop).toEqual({ status: 200, body: { success: true, message: 'Job queued to stop.' } })
    await expect
      .poll(async () => (await call('GET', `/jobs/${job.id}/`)).body.data!.jobs[0].status)
      .toBe('complete')
    await expect.poll(() => frames.at(-1)?.status).toBe('complete')
    socket.close()
    // the job ended: its ticket and cookie open nothing any more
    const ended = await fetch(`${h.url}/passthrough/${job.id}/`, { headers: { cookie }, redirect: 'manual' })
    expect(ended.status).toBe(404)
    const again = await call('PUT', `/jobs/${job.id}/stop/`)
    expect(again).toEqual({
      status: 400,
      body: { success: false, message: 'This job is not running or pending.' },
    })
    const after = await call('GET', `/workspaces/${wsId}/`)
    expect(after.body.data!.workspaces[0].status).toBe('idle')
    expect((await call('GET', '/jobs')).body.data!.jobs[0].core_hours).toMatch(/^\d+\.\d{5}$/)
  })

  it('refuses what the original refuses', async () => {
    const created = await call('POST', '/workspaces/', { name: 'x', description: '' })
    const wsId = created.body.data!.workspace.id as number
    expect(await call('PUT', `/workspaces/${wsId}/launch/`, START)).toEqual({
      status: 400,
      body: { success: false, message: 'Invalid PUT type passed.' },
    })
    expect((await call('PUT', `/jobs/1/pause`)).body.message).toBe('Invalid PUT type passed.')
    const bad = await call('PUT', `/workspaces/${wsId}/start/`, {
      job_type: 'local_test',
      resource_options: { num_cpus: 9 },
    })
    expect(bad).toEqual({
      status: 422,
      body: {
        success: false,
        message: 'Invalid resource options found: ["num_cpus must be at most 4, got 9"]',
      },
    })
    expect((await call('PUT', `/workspaces/${wsId}/start`, { job_type: 'nope' })).status).toBe(400)
    expect((await call('PUT', `/workspaces/${wsId}/start`, {})).status).toBe(400)
    expect((await call('PUT', `/workspaces/99999/start`, START)).status).toBe(404)
    expect((await call('PUT', `/jobs/99999/stop`)).status).toBe(404)
    const jobs = await call('GET', `/jobs?workspace_id=${wsId}`)
    expect(jobs.body.data!.jobs).toEqual([])
  })
})

const prerequisites = await checkLocalBackendPrerequisites()

describe.skipIf(!prerequisites.ok)('a job on the local backend across a restart of labgate', () => {
  let h: Harness
  const { call, signIn } = client(() => h)
  beforeAll(async () => {
    h = await startHarness({ backend: 'local', workshops: [{ name: 'shell' }], workspaces: {} })
    await signIn('carol')
  })
  afterAll(async () => h?.close())

  it('keeps running and is stopped by the new process', { timeout: 60_000 }, async () => {
    const created = await call('POST', '/workspaces', { name: 'w', description: '' })
    const wsId = created.body.data!.workspace.id as number
    const start = await call('PUT', `/workspaces/${wsId}/start`, START)
    expect(start.status).toBe(200)
    const id = start.body.data!.job.id as number
    const message = async () =>
      (await call('GET', `/jobs/${id}`)).body.data!.jobs[0].job_details.current_job_details.message
    await expect.poll(message, { timeout: 20_000 }).toBe('Webserver ready.')
    const handle = (await h.lg.db.workspaces.getJob(id))!.handle!

    await h.restart()
    await signIn('carol')
    expect((await h.lg.deps.backend.observe(handle)).state).toBe('running')
    expect((await call('GET', `/jobs/${id}`)).body.data!.jobs[0].status).toBe('running')

    expect((await call('PUT', `/jobs/${id}/stop/`)).body.message).toBe('Job queued to stop.')
    await expect
      .poll(async () => (await call('GET', `/jobs/${id}`)).body.data!.jobs[0].status, { timeout: 20_000 })
      .toBe('complete')
    expect((await h.lg.deps.backend.observe(handle)).state).toBe('gone')
  })
})
