/**
 * The app proxy end to end with the real local backend: web servers inside a bubblewrap sandbox with its
 * own network namespace, reached through the route, the backend's `connect` (a forwarder socket) and the
 * sandbox's loopback.
 */
import { request as httpRequest } from 'node:http'
import { existsSync, mkdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGatewayApp, requestSession, type GatewayApp } from '../../test/gateway-app.js'
import { eventually, startHarness, type Harness } from '../../test/harness.js'
import { LocalBackend, type LocalHandle } from '../backends/local/index.js'
import { killSandboxesUnder, runIn } from '../backends/local/testing.js'
import type { Session } from '../store/rows.js'
import { AppProxy, nothingListening } from './app-proxy.js'
import { appRoutes, appUpgradeHandler } from './app-routes.js'

/** A test app: echoes the request as JSON, and for a WebSocket handshake switches protocols and upper-cases bytes. */
const ECHO_SERVER = `
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def any(self):
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
        n = 0
        if self.headers.get('Content-Length') is not None:
            left = int(self.headers['Content-Length'])
            while left > 0:
                chunk = self.rfile.read(min(left, 65536))
                if not chunk:
                    break
                n += len(chunk)
                left -= len(chunk)
        elif self.headers.get('Transfer-Encoding', '').lower() == 'chunked':
            while True:
                size = int(self.rfile.readline().strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    break
                n += len(self.rfile.read(size))
                self.rfile.readline()
        body = json.dumps({'method': self.command, 'path': self.path, 'received': n,
                           'headers': {k.lower(): v for k, v in self.headers.items()}}).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.send_header('Set-Cookie', 'labgate_auth=forged; Path=/')
        self.send_header('Set-Cookie', 'app=1; Path=/')
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(body)
    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = any
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
`

const PORTAL = `apiVersion: training.educates.dev/v1beta1
kind: TrainingPortal
metadata:
  name: lab
spec:
  portal:
    credentials:
      admin: {username: admin@lab, password: admin-password-123456}
  labgate:
    backend: local
  workshops:
    - name: web
      reserved: 0
---
apiVersion: training.educates.dev/v1beta1
kind: Workshop
metadata:
  name: web
spec:
  title: Web
  session:
    ingresses:
      - {name: site, port: 8000}
      - {name: idle, port: 8001}
      - {name: echo, port: 8002}
`

let h: Harness
let g: GatewayApp
let proxy: AppProxy
let name: string
let session: Session
let owner: string
let staff: string
let backend: LocalBackend

beforeAll(async () => {
  h = await startHarness({ workshops: [] }, {})
  const config = join(h.dir, 'web-config')
  mkdirSync(config)
  writeFileSync(join(config, 'portal.yaml'), PORTAL)
  await h.restart({ config })
  backend = h.lg.deps.backend as LocalBackend
  proxy = new AppProxy({ backend, maxBodyBytes: 1024 * 1024 })
  g = await startGatewayApp(h, (app, ctx) => {
    appRoutes(app, ctx, proxy)
    app.server.on('upgrade', appUpgradeHandler(ctx, proxy))
  })
  name = await requestSession(h, 'lab-w01', 'learner')
  session = await eventually('sandbox', async () => {
    const s = await h.lg.deps.store.getSession(name)
    return s?.handle && s.state === 'RUNNING' ? s : null
  })
  owner = await g.cookieFor('learner', name)
  staff = `Bearer ${await h.passwordToken('admin@lab', 'admin-password-123456')}`
  const setup = await runIn(backend, session.handle!, 'mkdir -p site/sub && echo hello > site/hello.txt')
  expect(setup.code).toBe(0)
  const serve = (argv: string[]) => backend.spawn(session.handle!, argv, { stdio: 'ignore' }).unref()
  serve(['/bin/sh', '-c', 'cd site && exec python3 -m http.server 8000 --bind 127.0.0.1'])
  // Written from inside: the home may be mounted where only the sandbox sees it.
  const b64 = Buffer.from(ECHO_SERVER).toString('base64')
  expect((await runIn(backend, session.handle!, `echo ${b64} | base64 -d > echo.py`)).code).toBe(0)
  serve(['python3', 'echo.py', '8002'])
  await eventually('the apps to listen', async () => {
    const [a, b] = await Promise.all([app('site', '/'), app('echo', '/')])
    return a.status === 200 && b.status === 200
  })
}, 60_000)

afterAll(async () => {
  await proxy?.close()
  await g?.close()
  await h?.close()
  if (h) killSandboxesUnder(h.data)
})

const app = (ingress: string, path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
  fetch(`${g.url}/sessions/${name}/apps/${ingress}${path}`, {
    redirect: 'manual',
    ...init,
    headers: { cookie: owner, ...init.headers },
  })

const forwarderPid = () => backend.forwarders.pidOf(name, 8000)
const procStatus = (pid: number) => readFileSync(`/proc/${pid}/status`, 'utf8')

describe('web apps inside a sandbox', () => {
  it("serves the sandbox's app to its owner, prefix stripped, query kept", async () => {
    const listing = await app('site', '/')
    expect(listing.status).toBe(200)
    const html = await listing.text()
    expect(html).toContain('Directory listing for /')
    expect(html).toContain('hello.txt')
    const file = await app('site', '/hello.txt?x=1')
    expect(await file.text()).toBe('hello\n')
    const head = await app('site', '/hello.txt', { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers.get('content-length')).toBe('6')
    const echoed = (await (await app('echo', '/a/b?c=d&e')).json()) as { path: string }
    expect(echoed.path).toBe('/a/b?c=d&e')
  })

  it("redirects the bare app URL to its slashed form, and moves the app's own redirects under the prefix", async () => {
    const bare = await app('site', '?q=1')
    expect(bare.status).toBe(301)
    expect(bare.headers.get('location')).toBe(`/sessions/${name}/apps/site/?q=1`)
    const dir = await app('site', '/sub')
    expect(dir.status).toBe(301)
    expect(dir.headers.get('location')).toBe(`/sessions/${name}/apps/site/sub/`)
  })

  it("never shows the app labgate's credentials, tells it where the request came from, and keeps it from setting labgate cookies", async () => {
    const res = await app('echo', '/', {
      headers: { cookie: `${owner}; theme=dark`, 'x-forwarded-prefix': '/forged' },
    })
    const seen = (await res.json()) as { headers: Record<string, string> }
    expect(seen.headers.cookie).toBe('theme=dark')
    expect(seen.headers).toMatchObject({
      host: 'localhost:8002',
      'x-forwarded-host': new URL(g.url).host,
      'x-forwarded-proto': 'http',
      'x-forwarded-prefix': `/sessions/${name}/apps/echo`,
      'x-forwarded-for': '127.0.0.1',
    })
    expect(res.headers.getSetCookie()).toEqual(['app=1; Path=/'])
    const asStaff = await app('echo', '/', { headers: { cookie: '', authorization: staff } })
    expect(asStaff.status).toBe(200)
    expect(
      ((await asStaff.json()) as { headers: Record<string, string> }).headers.authorization,
    ).toBeUndefined()
    // On the portal's origin, everyone (staff and the owner) gets the learner's page as an opaque origin.
    expect(asStaff.headers.get('content-security-policy')).toMatch(/^sandbox /)
    expect((await app('echo', '/')).headers.get('content-security-policy')).toMatch(/^sandbox /)
  })

  it('streams request bodies up to the cap and refuses larger ones with 413', async () => {
    const body = Buffer.alloc(512 * 1024, 'a')
    const res = await app('echo', '/upload', {
      method: 'POST',
      body,
      headers: { 'content-type': 'text/plain' },
    })
    expect(((await res.json()) as { received: number; method: string }).received).toBe(body.length)
    const untyped = await app('echo', '/upload', { method: 'PATCH', body: Buffer.alloc(200 * 1024) })
    expect(((await untyped.json()) as { received: number }).received).toBe(200 * 1024)
    const big = await app('echo', '/upload', { method: 'PUT', body: Buffer.alloc(2 * 1024 * 1024) })
    expect(big.status).toBe(413)
    // Without a length the cap applies as the body streams.
    const chunked = await new Promise<number | string>((resolve) => {
      const req = httpRequest(`${g.url}/sessions/${name}/apps/echo/upload`, {
        method: 'POST',
        headers: { cookie: owner, 'transfer-encoding': 'chunked' },
      })
      req.on('response', (r) => resolve(r.statusCode ?? 0))
      req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'))
      const chunk = Buffer.alloc(64 * 1024)
      let sent = 0
      const pump = () => {
        while (sent < 4 * 1024 * 1024) {
          sent += chunk.length
          if (!req.write(chunk)) return void req.once('drain', pump)
        }
        req.end()
      }
      pump()
    })
    expect([413, 'ECONNRESET', 'EPIPE']).toContain(chunked)
    const after = await app('echo', '/after', { method: 'POST', body: 'small' })
    expect(((await after.json()) as { received: number }).received).toBe(5)
  })

  it('answers 502 with a friendly text when nothing listens, and 404 for an ingress the workshop lacks', async () => {
    const idle = await app('idle', '/')
    expect(idle.status).toBe(502)
    expect(await idle.text()).toBe(nothingListening(8001))
    expect(nothingListening(8000)).toBe('Nothing is listening on port 8000 in this session yet')
    const unknown = await app('nope', '/')
    expect(unknown.status).toBe(404)
    expect(await unknown.text()).toBe('This workshop has no web app named "nope"')
  })

  it('refuses other users and anonymous callers', async () => {
    const other = await requestSession(h, 'lab-w01', 'someone-else')
    const foreign = await g.cookieFor('someone-else', other)
    expect((await app('site', '/', { headers: { cookie: foreign } })).status).toBe(403)
    expect((await app('site', '/', { headers: { cookie: '' } })).status).toBe(403)
    expect((await app('site', '/', { headers: { cookie: 'labgate_session=garbage' } })).status).toBe(403)
  })

  it('proxies WebSocket upgrades and refuses cross-origin ones', async () => {
    const ws = (headers: Record<string, string>) =>
      new Promise<{ upgraded: true; echo: string } | { upgraded: false; status: number }>(
        (resolve, reject) => {
          const req = httpRequest(`${g.url}/sessions/${name}/apps/echo/socket`, {
            headers: { connection: 'Upgrade', upgrade: 'websocket', cookie: owner, ...headers },
          })
          req.on('upgrade', (res, socket) => {
            expect(res.statusCode).toBe(101)
            socket.once('data', (d: Buffer) => {
              socket.destroy()
              resolve({ upgraded: true, echo: d.toString() })
            })
            socket.write('ping through the gateway')
          })
          req.on('response', (res) => {
            res.resume()
            resolve({ upgraded: false, status: res.statusCode ?? 0 })
          })
          req.on('error', reject)
          req.end()
        },
      )
    expect(await ws({ origin: g.url })).toEqual({ upgraded: true, echo: 'PING THROUGH THE GATEWAY' })
    expect(await ws({ origin: 'https://evil.example' })).toEqual({ upgraded: false, status: 403 })
    expect(await ws({ cookie: '' })).toEqual({ upgraded: false, status: 403 })
  })

  it('runs the forwarder in the sandbox network namespace only, where the sandbox cannot reach its socket', async () => {
    const pid = forwarderPid()!
    const h0 = session.handle as LocalHandle
    expect(readlinkSync(`/proc/${pid}/ns/net`)).toBe(readlinkSync(`/proc/${h0.childPid}/ns/net`))
    expect(readlinkSync(`/proc/${pid}/ns/net`)).not.toBe(readlinkSync('/proc/self/ns/net'))
    expect(readlinkSync(`/proc/${pid}/ns/mnt`)).toBe(readlinkSync('/proc/self/ns/mnt'))
    expect(readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).toBe('socat')
    // The listener keeps root without supplementary groups; connections run as nobody.
    expect(procStatus(pid)).toMatch(/^Groups:\s*$/m)
    const socket = join(h.data, 'run', name, '8000.sock')
    expect(statSync(socket).isSocket()).toBe(true)
    expect(statSync(socket).mode & 0o777).toBe(0o600)
    expect(statSync(join(h.data, 'run', name)).mode & 0o777).toBe(0o700)
    expect(statSync(join(h.data, 'run')).mode & 0o777).toBe(0o700)
    const probe = await runIn(
      backend,
      session.handle!,
      `test -e '${socket}' && echo visible || echo hidden
python3 -c "import socket; s = socket.socket(socket.AF_UNIX); s.connect('${socket}')" 2>/dev/null && echo connected || echo refused
ls '${join(h.data, 'run')}' 2>/dev/null && echo listed || echo unlisted`,
    )
    expect(probe.stdout.split('\n').filter(Boolean)).toEqual(['hidden', 'refused', 'unlisted'])
  })

  it("runs each forwarded connection as the session's own host uid", async () => {
    const { uid, gid } = session.handle as LocalHandle
    expect(uid).toBeGreaterThanOrEqual(200_000)
    const pid = forwarderPid()!
    const req = httpRequest(`${g.url}/sessions/${name}/apps/echo/socket`, {
      headers: { connection: 'Upgrade', upgrade: 'websocket', cookie: owner },
    })
    const socket = await new Promise<import('node:stream').Duplex>((resolve, reject) => {
      req.on('upgrade', (_res, s) => resolve(s))
      req.on('error', reject)
      req.end()
    })
    try {
      const echoPid = backend.forwarders.pidOf(name, 8002)!
      const children = readFileSync(`/proc/${echoPid}/task/${echoPid}/children`, 'utf8')
        .split(' ')
        .filter(Boolean)
      expect(children.length).toBeGreaterThan(0)
      for (const child of children) {
        expect(procStatus(Number(child))).toMatch(
          new RegExp(`^Uid:\\s+${uid}\\s+${uid}\\s+${uid}\\s+${uid}$`, 'm'),
        )
        expect(procStatus(Number(child))).toMatch(
          new RegExp(`^Gid:\\s+${gid}\\s+${gid}\\s+${gid}\\s+${gid}$`, 'm'),
        )
      }
      expect(procStatus(pid)).toMatch(/^Uid:\s+0\s/m)
    } finally {
      socket.destroy()
    }
  })

  it('stops the forwarders of a session on stopSession, and starts them again on the next request', async () => {
    const pid = forwarderPid()!
    await backend.forwarders.stopSession(name)
    expect(() => statSync(`/proc/${pid}`)).toThrow()
    expect(() => statSync(join(h.data, 'run', name))).toThrow()
    expect(forwarderPid()).toBeUndefined()
    const again = await app('site', '/hello.txt')
    expect(await again.text()).toBe('hello\n')
    expect(forwarderPid()).not.toBe(pid)
  })
})

describe('where an app is reached', () => {
  it('connects directly for a sandbox on the host network, says 503 while starting and 502 for other backends', async () => {
    const stat = readFileSync('/proc/self/stat', 'utf8')
    const startTime = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19])
    const self: LocalHandle = {
      backend: 'local',
      session: 'host-net',
      pid: process.pid,
      pidStartTime: startTime,
      childPid: process.pid,
      startTime,
      home: '/nonexistent',
      uid: 0,
    }
    expect(await proxy.upstream({ ...session, name: 'host-net', handle: self }, 8000)).toEqual({
      host: '127.0.0.1',
      port: 8000,
    })
    await expect(proxy.upstream({ ...session, handle: null }, 8000)).rejects.toMatchObject({ status: 503 })
    await expect(
      proxy.upstream({ ...session, backend: 'fake', handle: { backend: 'fake', id: 1 } }, 8000),
    ).rejects.toMatchObject({
      status: 502,
      message: 'Web apps in sessions are not available with the fake backend',
    })
    await expect(
      proxy.upstream({ ...session, handle: { ...self, startTime: startTime + 1 } }, 8000),
    ).rejects.toMatchObject({ status: 503, message: "This session's sandbox is not running" })
  })
})

describe('a forwarder that cannot start', () => {
  it('is a 502 for the browser, with the details in the log only', async () => {
    const logged: string[] = []
    const brokenBackend = new LocalBackend({
      dataDir: h.data,
      forwarders: { runDir: join(h.data, 'run-broken'), socatPath: '/nonexistent/socat' },
      log: () => {},
    })
    const broken = new AppProxy({ backend: brokenBackend, log: (m) => logged.push(m) })
    try {
      await expect(broken.upstream(session, 8000)).rejects.toMatchObject({
        status: 502,
        message: "Could not reach the session's network: try again in a moment",
      })
      expect(logged).toHaveLength(1)
      expect(logged[0]).toMatch(
        new RegExp(`^app proxy: ${name} port 8000: forwarder for ${name} port 8000 did not start`),
      )
      expect(brokenBackend.forwarders.pidOf(name, 8000)).toBeUndefined()
    } finally {
      await broken.close()
      await brokenBackend.close()
    }
  })
})

describe('forwarder upkeep', () => {
  it('stops idle forwarders, and those whose sandbox has gone (with their socket directory)', async () => {
    const sweeping = new LocalBackend({
      dataDir: h.data,
      forwarders: { runDir: join(h.data, 'run-swept'), sweepIntervalMs: 20, idleMs: 100 },
      log: () => {},
    })
    const swept = new AppProxy({ backend: sweeping })
    try {
      const pidOf = () => sweeping.forwarders.pidOf(name, 8000)
      expect(await swept.upstream(session, 8000)).toEqual({
        socketPath: join(h.data, 'run-swept', name, '8000.sock'),
      })
      const first = pidOf()!
      await eventually(
        'the idle forwarder to stop',
        async () => pidOf() === undefined && !existsSync(`/proc/${first}`),
      )
      await swept.upstream(session, 8000)
      const second = pidOf()!
      expect(second).not.toBe(first)
      await backend.stop(session.handle!)
      // The sweep stops the forwarder, then removes the socket directory: wait for both.
      await eventually(
        'the orphaned forwarder and its socket directory to go',
        async () => !existsSync(`/proc/${second}`) && !existsSync(join(h.data, 'run-swept', name)),
      )
      expect(existsSync(join(h.data, 'run-swept', name))).toBe(false)
      await expect(swept.upstream(session, 8000)).rejects.toMatchObject({ status: 503 })
    } finally {
      await swept.close()
      await sweeping.close()
    }
  })
})
