import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { buildJob, buildWorkspace } from '../../../test/factories.js'
import { openStore, type OpenStore } from '../../store/open-store.js'
import type { JobRecord } from '../../store/workspace-records.js'
import { jobStatusSockets, tokenFromProtocols, type JobChanges } from './job-status-socket.js'

/** Stands in for the job runner's change notifications: a test publishes changes by hand. */
class ManualJobChanges implements JobChanges {
  readonly listeners = new Set<(job: JobRecord) => void>()
  onChange(l: (job: JobRecord) => void) {
    this.listeners.add(l)
    return () => this.listeners.delete(l)
  }
  publish(job: JobRecord) {
    for (const l of this.listeners) l(job)
  }
}

/** Tokens of a fixed table, standing in for the workspaces token check. */
const TOKENS: Record<string, string> = { 'alice-token': 'alice', 'bob-token': 'bob' }

let db: OpenStore
let server: Server
let changes: ManualJobChanges
let sockets: ReturnType<typeof jobStatusSockets>
let url: string
let job: JobRecord

beforeEach(async () => {
  db = await openStore({ sqlite: ':memory:' })
  for (const id of ['alice', 'bob'])
    await db.store.createUser({ id, kind: 'registered', username: id, at: 0 })
  const ws = await db.workspaces.createWorkspace(buildWorkspace('alice'))
  job = await db.workspaces.createJob(
    buildJob(ws.id, 'alice', {
      details: {
        metrics: {},
        request_job_details: {},
        current_job_details: { message: 'Webserver not ready.' },
      },
    }),
  )
  changes = new ManualJobChanges()
  sockets = jobStatusSockets({
    auth: { authenticate: async (t) => (TOKENS[t] ? { userId: TOKENS[t]! } : null), log: () => {} },
    jobs: db.workspaces,
    changes,
    maxPerUser: 2,
  })
  server = createServer((_, res) => res.end())
  server.on('upgrade', (req, socket, head) => {
    if (!sockets.upgrade(req, socket, head)) socket.destroy()
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterEach(async () => {
  sockets.close()
  server.close()
  await db.close()
})

/** Opens a socket; resolves with it and a queue of the frames it receives, or rejects with the status. */
function connect(path: string, o: { headers?: Record<string, string>; protocols?: string[] } = {}) {
  const ws = new WebSocket(`${url}${path}`, o.protocols ?? [], { headers: o.headers })
  const frames: unknown[] = []
  const waiting: ((f: unknown) => void)[] = []
  ws.on('message', (d) => {
    const f = JSON.parse(String(d))
    const w = waiting.shift()
    if (w) w(f)
    else frames.push(f)
  })
  const next = () =>
    new Promise<unknown>((resolve) => (frames.length ? resolve(frames.shift()) : waiting.push(resolve)))
  return new Promise<{ ws: WebSocket; next: () => Promise<unknown> }>((resolve, reject) => {
    ws.once('open', () => resolve({ ws, next }))
    ws.once('unexpected-response', (_, res) => reject(new Error(String(res.statusCode))))
    ws.once('error', reject)
  })
}

describe('the job-status WebSocket', () => {
  it("sends the owner the job's status at once and on every change, with or without the slash", async () => {
    const { ws, next } = await connect(`/jobs/${job.id}/`, {
      headers: { 'UWS-Authorization': 'Token alice-token' },
    })
    expect(await next()).toEqual({
      status: 'pending',
      current_job_details: { message: 'Webserver not ready.' },
    })
    const running = await db.workspaces.updateJob(job.id, {
      status: 'running',
      details: { ...job.details, current_job_details: { message: 'Webserver ready.' } },
    })
    changes.publish(running!)
    changes.publish(running!) // the same again: not sent twice
    changes.publish({ ...running!, id: job.id + 1, status: 'failed' }) // another job: not sent
    const done = await db.workspaces.updateJob(job.id, { status: 'complete' })
    changes.publish(done!)
    expect(await next()).toEqual({ status: 'running', current_job_details: { message: 'Webserver ready.' } })
    expect(await next()).toMatchObject({ status: 'complete' })
    ws.close()
    const bare = await connect(`/jobs/${job.id}`, { protocols: ['labgate-token', 'alice-token'] })
    expect(bare.ws.protocol).toBe('labgate-token')
    expect(await bare.next()).toMatchObject({ status: 'complete' })
    bare.ws.close()
  })

  it('refuses without a token, with a bad one, for another user, and past the cap', async () => {
    await expect(connect(`/jobs/${job.id}/`)).rejects.toThrow('401')
    await expect(connect(`/jobs/${job.id}/`, { headers: { authorization: 'Bearer nope' } })).rejects.toThrow(
      '401',
    )
    await expect(connect(`/jobs/${job.id}/`, { headers: { 'UWS-Authorization': 'Token' } })).rejects.toThrow(
      '401',
    )
    await expect(connect(`/jobs/${job.id}/`, { protocols: ['labgate-token', 'bob-token'] })).rejects.toThrow(
      '404',
    )
    await expect(
      connect(`/jobs/${job.id + 7}/`, { protocols: ['labgate-token', 'alice-token'] }),
    ).rejects.toThrow('404')
    const a = await connect(`/jobs/${job.id}/`, { protocols: ['labgate-token', 'alice-token'] })
    const b = await connect(`/jobs/${job.id}/`, { protocols: ['labgate-token', 'alice-token'] })
    await expect(
      connect(`/jobs/${job.id}/`, { protocols: ['labgate-token', 'alice-token'] }),
    ).rejects.toThrow('429')
    a.ws.close()
    await once(a.ws, 'close')
    await new Promise((r) => setTimeout(r, 20))
    const c = await connect(`/jobs/${job.id}/`, { protocols: ['labgate-token', 'alice-token'] })
    b.ws.close()
    c.ws.close()
  })

  it('leaves other paths to other handlers', async () => {
    await expect(connect('/jobs/')).rejects.toThrow()
    await expect(connect('/jobs/1/x')).rejects.toThrow()
    expect(sockets.open).toBe(0)
  })

  it('reads the token after labgate-token among the subprotocols', () => {
    expect(tokenFromProtocols('labgate-token, abc')).toBe('abc')
    expect(tokenFromProtocols(['x', 'labgate-token,abc'])).toBe('abc')
    expect(tokenFromProtocols('labgate-token')).toBeNull()
    expect(tokenFromProtocols(undefined)).toBeNull()
  })
})
