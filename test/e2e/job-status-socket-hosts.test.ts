/**
 * The job-status WebSocket answers on the portal's own host only: under host routing, `/jobs/<id>/` on a
 * job's or a session's host belongs to that job's web UI or that session, never to the status socket.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startHarness, type Harness } from '../harness.js'

let h: Harness
let key: string
let jobId: number

beforeAll(async () => {
  h = await startHarness({
    backend: 'fake',
    workshops: [],
    sessionDomain: 'sessions.test',
    workspaces: { domain: 'labs.test' },
  })
  const res = await fetch(`${h.url}/tokens/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_token: await h.token(), user_info: { username: 'alice', email: 'a@b.c' } }),
  })
  key = ((await res.json()) as { token: string }).token
  const uws = { 'UWS-Authorization': `Token ${key}`, 'content-type': 'application/json' }
  const ws = await fetch(`${h.url}/workspaces`, {
    method: 'POST',
    headers: uws,
    body: JSON.stringify({ name: 'w', description: '' }),
  })
  const wsId = ((await ws.json()) as { data: { workspace: { id: number } } }).data.workspace.id
  const start = await fetch(`${h.url}/workspaces/${wsId}/start`, {
    method: 'PUT',
    headers: uws,
    body: JSON.stringify({ job_type: 'local_test', resource_options: {} }),
  })
  jobId = ((await start.json()) as { data: { job: { id: number } } }).data.job.id
})
afterAll(async () => h?.close())

/** Opens the socket with `host` as the Host header: the first frame, or the refusal's status. */
function open(host: string): Promise<{ frame?: { status: string }; status?: number }> {
  const port = new URL(h.url).port
  const ws = new WebSocket(`ws://127.0.0.1:${port}/jobs/${jobId}/`, ['labgate-token', key], {
    headers: { host: `${host}:${port}` },
  })
  return new Promise((resolve, reject) => {
    ws.once('message', (d) => {
      resolve({ frame: JSON.parse(String(d)) })
      ws.close()
    })
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode }))
    ws.once('error', reject)
  })
}

it("answers on the portal's host, and leaves jobs' and sessions' hosts alone", async () => {
  expect(await open('127.0.0.1')).toEqual({ frame: expect.objectContaining({ status: 'running' }) })
  const onJobHost = await open(`job-${jobId}.labs.test`)
  expect(onJobHost.frame).toBeUndefined()
  expect(onJobHost.status).toBe(401)
  const onSessionHost = await open('lab-w01-s001.sessions.test')
  expect(onSessionHost).toEqual({ status: 404 })
})
