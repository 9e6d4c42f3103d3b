/**
 * The job gateway end to end on the real server with the local (bubblewrap) backend: a job's program runs
 * as its sandbox's main command in a workspace home, and is reached only through `/passthrough/<id>/`,
 * with a ticket turned into a job-scoped cookie, by its owner and staff.
 */
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SandboxHandle } from '../../src/backends/backend.js'
import { checkLocalBackendPrerequisites, type LocalBackend } from '../../src/backends/local/index.js'
import { killSandboxesUnder } from '../../src/backends/local/testing.js'
import { systemClock } from '../../src/domain/clock.js'
import { JOB_COOKIE } from '../../src/gateway/job-access.js'
import { buildWorkspace } from '../factories.js'
import { mintJobTicket, revokeJobTickets, type JobTicketDeps } from '../../src/gateway/job-tickets.js'
import { jobEntryPath } from '../../src/gateway/job-url.js'
import { setUpAuth } from '../../src/main/auth-setup.js'
import type { JobRecord } from '../../src/store/workspace-records.js'
import { eventually, startHarness, type Harness } from '../harness.js'

const prerequisites = await checkLocalBackendPrerequisites()
const isRoot = process.getuid?.() === 0
const ADMIN = { username: 'admin@lab', password: 'admin-password-123456' }
const OWNER = { uid: 300_101, gid: 300_101 }
const hasJupyter = existsSync('/usr/bin/jupyter-notebook') || existsSync('/usr/bin/jupyter-lab')

/** Echoes the request as JSON; a WebSocket handshake switches protocols and upper-cases bytes. */
const ECHO_SERVER = `
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def do_GET(self):
        if self.headers.get('Upgrade', '').lower() == 'websocket':
            self.send_response(101)
            self.send_header('Upgrade', 'websocket')
            self.send_header('Connection', 'Upgrade')
            self.end_headers()
            self.wfile.flush()
            while True:
                data = self.connection.recv(65536)
                if not data:
                    break
                self.connection.sendall(data.upper())
            self.close_connection = True
            return
        body = json.dumps({'path': self.path, 'headers': {k.lower(): v for k, v in self.headers.items()}}).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
`

describe.skipIf(!prerequisites.ok || !isRoot)('the job gateway with the local backend', () => {
  let h: Harness
  let backend: LocalBackend
  let tickets: JobTicketDeps
  let closeAuth = () => {}
  const homes = mkdtempSync(join(tmpdir(), 'labgate-job-homes-'))
  chmodSync(homes, 0o755)
  const handles: SandboxHandle[] = []
  let site: JobRecord
  let echo: JobRecord
  let bobs: JobRecord

  /** A workspace home owned by the workspace uid, with `files` in it. */
  function home(name: string, files: Record<string, string>): string {
    const dir = join(homes, name)
    mkdirSync(dir, { mode: 0o700 })
    for (const [file, text] of Object.entries(files)) {
      writeFileSync(join(dir, file), text)
      chownSync(join(dir, file), OWNER.uid, OWNER.gid)
    }
    chownSync(dir, OWNER.uid, OWNER.gid)
    return dir
  }

  /** A running job of `ownerId` of type `jobType` whose sandbox runs `command` in `dir`. */
  async function runningJob(
    ownerId: string,
    jobType: string,
    dir: string,
    command: string[],
    env: (id: number) => Record<string, string> = () => ({}),
  ) {
    const ws = await h.lg.db.workspaces.createWorkspace(
      buildWorkspace(ownerId, { name: `w-${jobType}`, status: 'active', createdAt: Date.now() }),
    )
    const job = await h.lg.db.workspaces.createJob({
      workspaceId: ws.id,
      ownerId,
      jobType,
      status: 'pending',
      handle: null,
      sandbox: 'lab-job{id}',
      resourceOptions: { time_limit_minutes: 30 },
      details: { metrics: {}, request_job_details: {}, current_job_details: {} },
      coreHours: 0,
      createdAt: Date.now(),
      startedAt: null,
      endedAt: null,
    })
    const info = await backend.start({
      session: job.sandbox,
      workshop: 'jobs',
      env: env(job.id),
      home: { dir, owner: OWNER },
      command,
    })
    handles.push(info.handle)
    return (await h.lg.db.workspaces.updateJob(job.id, {
      status: 'running',
      handle: info.handle,
      startedAt: Date.now(),
    }))!
  }

  /** A GET through the portal, redirects not followed. */
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${h.url}${path}`, { headers, redirect: 'manual' })

  /** The cookie a ticket buys: the entry's redirect target and its `Cookie` header. */
  async function enter(job: JobRecord, typePath: string, ticket: string) {
    const res = await get(jobEntryPath(job.id, typePath, ticket))
    expect(res.status).toBe(302)
    const setCookie = res.headers.get('set-cookie') ?? ''
    return { location: res.headers.get('location')!, setCookie, cookie: setCookie.split(';', 1)[0]! }
  }

  beforeAll(async () => {
    h = await startHarness({
      admin: ADMIN,
      workshops: [],
      workspaces: {
        jobTypes: [
          {
            id: 'echo_base',
            name: 'Echo under its base URL',
            command: 'true',
            port: 8002,
            servesBaseUrl: true,
          },
        ],
      },
    })
    backend = h.lg.deps.backend as LocalBackend
    const key = Buffer.from((await h.lg.deps.store.getSetting('server.key'))!, 'base64')
    const auth = await setUpAuth({ auth: h.lg.db.auth, clock: systemClock, key, portal: h.lg.deps.portal })
    closeAuth = auth.close
    tickets = { auth: h.lg.db.auth, grants: auth.grants, tokens: auth.tokens, clock: systemClock }
    for (const id of ['alice', 'bob'])
      await h.lg.deps.store.createUser({ id, kind: 'registered', username: id, at: 0 })
    const http = ['python3', '-m', 'http.server', '8888', '--bind', '127.0.0.1']
    site = await runningJob(
      'alice',
      'local_test',
      home('site', { 'hello.txt': 'hello from the job\n' }),
      http,
    )
    echo = await runningJob('alice', 'echo_base', home('echo', { 'echo.py': ECHO_SERVER }), [
      'python3',
      'echo.py',
      '8002',
    ])
    bobs = await runningJob('bob', 'local_test', home('bob', { 'hello.txt': 'bob\n' }), http)
    await eventually('the jobs to listen', async () => {
      for (const [job, port] of [
        [site, 8888],
        [echo, 8002],
        [bobs, 8888],
      ] as const) {
        const endpoint = await backend.connect(job.handle!, port)
        const ok = await new Promise<boolean>((resolve) => {
          const req = httpRequest({ ...endpoint, path: '/', agent: false }, (res) => {
            res.resume()
            resolve(res.statusCode === 200)
          })
          req.on('error', () => resolve(false))
          req.end()
        })
        if (!ok) return null
      }
      return true
    })
  }, 90_000)

  afterAll(async () => {
    await Promise.allSettled(handles.map((handle) => backend.stop(handle, { purge: true })))
    closeAuth()
    await h?.close()
    killSandboxesUnder(h.data)
    rmSync(homes, { recursive: true, force: true })
  })

  it('the owner’s ticket sets a job-scoped cookie and redirects without it; the cookie opens the job', async () => {
    const ticket = await mintJobTicket(tickets, site)
    const { location, setCookie, cookie } = await enter(site, 'hello.txt?x=1', ticket)
    expect(location).toBe(`/passthrough/${site.id}/hello.txt?x=1`)
    expect(setCookie).toMatch(
      new RegExp(`^${JOB_COOKIE}=[^;]+; Path=/passthrough/${site.id}/; HttpOnly; SameSite=Lax$`),
    )
    const res = await get(location, { cookie })
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('hello from the job\n')
    // path routing: the job's pages are an opaque origin
    expect(res.headers.get('content-security-policy')).toMatch(/^sandbox allow-scripts/)
  })

  it('refuses: no credential 401, another user’s ticket 403, an ended job 404', async () => {
    const none = await get(`/passthrough/${site.id}/hello.txt`)
    expect(none.status).toBe(401)
    expect(await none.text()).toContain('open the job again from the portal')
    const bobsTicket = await mintJobTicket(tickets, bobs)
    expect((await get(jobEntryPath(site.id, 'hello.txt', bobsTicket))).status).toBe(403)
    const bobsCookie = (await enter(bobs, '', bobsTicket)).cookie
    expect((await get(`/passthrough/${site.id}/hello.txt`, { cookie: bobsCookie })).status).toBe(403)
    expect((await get(`/passthrough/${bobs.id}/hello.txt`, { cookie: bobsCookie })).status).toBe(200)
    expect((await get(jobEntryPath(site.id, '', 'forged'))).status).toBe(403)
    await h.lg.db.workspaces.updateJob(bobs.id, { status: 'complete', endedAt: Date.now() })
    try {
      expect((await get(jobEntryPath(bobs.id, '', bobsTicket))).status).toBe(404)
      expect((await get(`/passthrough/${bobs.id}/hello.txt`, { cookie: bobsCookie })).status).toBe(404)
    } finally {
      await h.lg.db.workspaces.updateJob(bobs.id, { status: 'running', endedAt: null })
    }
  })

  it('staff enter with their portal sign-in; a job without a trailing slash redirects', async () => {
    const staff = `Bearer ${await h.passwordToken(ADMIN.username, ADMIN.password)}`
    const res = await get(`/passthrough/${site.id}/hello.txt`, { authorization: staff })
    expect(res.status).toBe(200)
    const bare = await get(`/passthrough/${site.id}?a=b`)
    expect(bare.status).toBe(301)
    expect(bare.headers.get('location')).toBe(`/passthrough/${site.id}/?a=b`)
  })

  it('never forwards the ticket nor labgate’s cookies; keeps the base URL for a program that serves it', async () => {
    const ticket = await mintJobTicket(tickets, echo)
    const { location, cookie } = await enter(echo, 'api/x?token=t', ticket)
    const res = await get(location, { cookie: `${cookie}; app=1; labgate_auth=portal` })
    expect(res.status).toBe(200)
    const seen = (await res.json()) as { path: string; headers: Record<string, string> }
    expect(seen.path).toBe(`/passthrough/${echo.id}/api/x?token=t`)
    expect(seen.headers.cookie).toBe('app=1')
    expect(JSON.stringify(seen)).not.toContain(ticket)
    expect(seen.headers['x-forwarded-prefix']).toBe(`/passthrough/${echo.id}`)
  })

  it('relays WebSocket upgrades for the owner, and refuses them without the cookie', async () => {
    const ticket = await mintJobTicket(tickets, echo)
    const { cookie } = await enter(echo, '', ticket)
    const port = new URL(h.url).port
    const upgrade = (headers: Record<string, string>) =>
      new Promise<{ status: number; echoed?: string }>((resolve, reject) => {
        const req = httpRequest({
          host: '127.0.0.1',
          port,
          path: `/passthrough/${echo.id}/ws`,
          headers: { connection: 'Upgrade', upgrade: 'websocket', ...headers },
        })
        req.on('upgrade', (res, socket) => {
          socket.write('ping')
          socket.once('data', (d: Buffer) => {
            resolve({ status: res.statusCode ?? 0, echoed: d.toString() })
            socket.destroy()
          })
        })
        req.on('response', (res) => {
          res.resume()
          resolve({ status: res.statusCode ?? 0 })
        })
        req.on('error', reject)
        req.end()
      })
    expect(await upgrade({ cookie, origin: h.url })).toEqual({ status: 101, echoed: 'PING' })
    expect((await upgrade({})).status).toBe(401)
    expect((await upgrade({ cookie, origin: 'http://evil.test' })).status).toBe(403)
  })

  it('revoking a job’s tickets ends its cookies', async () => {
    const ticket = await mintJobTicket(tickets, bobs)
    const { cookie } = await enter(bobs, '', ticket)
    expect((await get(`/passthrough/${bobs.id}/hello.txt`, { cookie })).status).toBe(200)
    await revokeJobTickets(tickets, bobs.id)
    // the server's own token cache forgets it within its TTL (at once for revocations it makes itself)
    await eventually('the cookie to be refused', async () =>
      (await get(`/passthrough/${bobs.id}/hello.txt`, { cookie })).status === 403 ? true : null,
    )
  })

  it.skipIf(!hasJupyter)(
    'serves Jupyter under its base URL, its API and a kernel’s WebSocket, to the owner only',
    { timeout: 60_000 },
    async () => {
      const type = h.lg.deps.portal.labgate.workspaces!.jobTypes.find((t) => t.id === 'jupyter_lab')!
      const jupyter = await runningJob('alice', 'jupyter_lab', home('jupyter', {}), type.command, (id) => ({
        LABGATE_JOB_PORT: String(type.port),
        LABGATE_JOB_BASE_URL: `/passthrough/${id}/`,
        LABGATE_JOB_TOKEN: 'jupyter-token',
        LABGATE_JOB_ID: String(id),
      }))
      const { cookie } = await enter(jupyter, '', await mintJobTicket(tickets, jupyter))
      const base = `/passthrough/${jupyter.id}/`
      await eventually(
        'Jupyter to answer',
        async () => (await get(`${base}api/status?token=jupyter-token`, { cookie })).status === 200,
        40_000,
      )
      // the job's own token is not enough
      expect((await get(`${base}api/status?token=jupyter-token`)).status).toBe(401)
      // As a browser does: the connection URL signs in to Jupyter (its own cookies), then its scripts
      // call the API and open a kernel's channels with those cookies and the page's Origin, no token.
      const page = await get(`${base}${type.urlPath.replace('{token}', 'jupyter-token')}`, { cookie })
      expect(page.status).toBe(200)
      const jar = page.headers.getSetCookie().map((c) => c.split(';', 1)[0]!)
      const xsrf = jar.find((c) => c.startsWith('_xsrf='))?.slice('_xsrf='.length) ?? ''
      const cookies = [cookie, ...jar].join('; ')
      const started = await fetch(`${h.url}${base}api/kernels`, {
        method: 'POST',
        headers: { cookie: cookies, origin: h.url, 'x-xsrftoken': xsrf, 'content-type': 'application/json' },
        body: '{}',
      })
      expect(started.status).toBe(201)
      const kernel = (await started.json()) as { id: string }
      const port = new URL(h.url).port
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest({
          host: '127.0.0.1',
          port,
          path: `${base}api/kernels/${kernel.id}/channels`,
          headers: {
            cookie: cookies,
            origin: h.url,
            connection: 'Upgrade',
            upgrade: 'websocket',
            'sec-websocket-version': '13',
            'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
          },
        })
        req.on('upgrade', (res, socket) => {
          socket.destroy()
          resolve(res.statusCode ?? 0)
        })
        req.on('response', (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        })
        req.on('error', reject)
        req.end()
      })
      expect(status).toBe(101)
    },
  )
})
