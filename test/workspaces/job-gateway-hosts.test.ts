/**
 * The job gateway under host routing (`spec.labgate.workspaces.domain`), on the real server with the fake
 * backend: a job is served only on `job-<id>.<domain>`, where its cookie is the host's own and its pages
 * keep their origin.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FakeBackend } from '../../src/backends/fake/index.js'
import { systemClock } from '../../src/domain/clock.js'
import { mintJobTicket, type JobTicketDeps } from '../../src/gateway/job-tickets.js'
import { jobEntryPath } from '../../src/gateway/job-url.js'
import { setUpAuth } from '../../src/main/auth-setup.js'
import type { JobRecord } from '../../src/store/workspace-records.js'
import { buildWorkspace } from '../factories.js'
import { startHarness, type Harness } from '../harness.js'

let h: Harness
let tickets: JobTicketDeps
let closeAuth = () => {}
let job: JobRecord
const seen: string[] = []

/** A request to the server with a Host header of our choosing. */
function ask(host: string, path: string, o: { method?: string; cookie?: string } = {}) {
  return new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const url = new URL(h.url)
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: o.method ?? 'GET',
        headers: { host: `${host}:${url.port}`, ...(o.cookie ? { cookie: o.cookie } : {}) },
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8').on('data', (d: string) => (body += d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      },
    )
    req.on('error', reject)
    req.end()
  })
}

beforeAll(async () => {
  h = await startHarness({ backend: 'fake', workshops: [], workspaces: { domain: 'labs.test' } })
  const key = Buffer.from((await h.lg.deps.store.getSetting('server.key'))!, 'base64')
  const auth = await setUpAuth({ auth: h.lg.db.auth, clock: systemClock, key, portal: h.lg.deps.portal })
  closeAuth = auth.close
  tickets = { auth: h.lg.db.auth, grants: auth.grants, tokens: auth.tokens, clock: systemClock }
  await h.lg.deps.store.createUser({ id: 'alice', kind: 'registered', username: 'alice', at: 0 })
  const ws = await h.lg.db.workspaces.createWorkspace(buildWorkspace('alice', { status: 'active' }))
  const backend = h.lg.deps.backend as FakeBackend
  const info = await backend.start({ session: 'lab-job-hosts', workshop: 'jobs', env: {} })
  job = await h.lg.db.workspaces.createJob({
    workspaceId: ws.id,
    ownerId: 'alice',
    jobType: 'local_test',
    status: 'running',
    handle: info.handle,
    sandbox: 'lab-job-hosts',
    resourceOptions: {},
    details: { metrics: {}, request_job_details: {}, current_job_details: {} },
    coreHours: 0,
    createdAt: 0,
    startedAt: 0,
    endedAt: null,
  })
  await backend.world.listen(
    'lab-job-hosts',
    8888,
    createServer((req, res) => {
      seen.push(req.url ?? '')
      res.writeHead(200, { 'content-type': 'text/html' }).end('<p>job page')
    }),
  )
}, 60_000)

afterAll(async () => {
  closeAuth()
  await h?.close()
})

describe('jobs under host routing', () => {
  it('sends the path form on the portal host to the job’s own host (GET), refuses other methods', async () => {
    const entry = jobEntryPath(job.id, 'x', 'T')
    const res = await ask('127.0.0.1', entry)
    expect(res.status).toBe(302)
    expect(res.headers.location).toBe(`http://job-${job.id}.labs.test:${new URL(h.url).port}${entry}`)
    expect((await ask('127.0.0.1', entry, { method: 'POST' })).status).toBe(403)
  })

  it('sets a host-wide cookie on the job host, serves /x and /passthrough/<id>/x there, unsandboxed', async () => {
    const host = `job-${job.id}.labs.test`
    const ticket = await mintJobTicket(tickets, job)
    const entry = await ask(host, `/page?a=1&labgate_ticket=${encodeURIComponent(ticket)}`)
    expect(entry.status).toBe(302)
    expect(entry.headers.location).toBe(`/passthrough/${job.id}/page?a=1`)
    const setCookie = entry.headers['set-cookie']![0]!
    expect(setCookie).toMatch(/; Path=\/; HttpOnly; SameSite=Lax$/)
    const cookie = setCookie.split(';', 1)[0]!
    for (const path of ['/page?a=1', `/passthrough/${job.id}/page?a=1`]) {
      const res = await ask(host, path, { cookie })
      expect(res.status).toBe(200)
      expect(res.body).toBe('<p>job page')
      expect(res.headers['content-security-policy']).toBeUndefined()
    }
    expect(seen.slice(-2)).toEqual(['/page?a=1', '/page?a=1'])
    expect((await ask(host, '/page')).status).toBe(401)
    // another job's host is another job: the cookie (a host-only cookie there anyway) is no credential
    expect((await ask(`job-${job.id + 1}.labs.test`, '/page', { cookie })).status).toBe(404)
  })
})
