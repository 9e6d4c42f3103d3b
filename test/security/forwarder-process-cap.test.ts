/**
 * A learner can open as many connections to their own web app as they like. socat forks one host process
 * per connection (in labgate's cgroup), and the proxy counted nothing, so a few thousand WebSockets were a
 * few thousand host processes. The forwarder runs socat with `max-children`, and the proxy caps the
 * connections open to one session's apps, refusing more with a 429 that says why.
 */
import { request, type ClientRequest } from 'node:http'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalBackend, type LocalHandle } from '../../src/backends/local/index.js'
import { killSandboxesUnder } from '../../src/backends/local/testing.js'
import { AppProxy, tooManyConnections } from '../../src/gateway/app-proxy.js'
import { appRoutes, appUpgradeHandler } from '../../src/gateway/app-routes.js'
import type { Session } from '../../src/store/rows.js'
import { requestSession, startGatewayApp, type GatewayApp } from '../gateway-app.js'
import { eventually, startHarness, type Harness } from '../harness.js'

/** Holds every connection open: WebSocket handshakes are switched and then kept, other requests hang. */
const HOLDER = `
import socket, threading
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', 8000))
s.listen(512)
def hold(c):
    data = b''
    while b'\\r\\n\\r\\n' not in data:
        chunk = c.recv(4096)
        if not chunk:
            return
        data += chunk
    if b'websocket' in data.lower():
        c.sendall(b'HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n\\r\\n')
    while c.recv(4096):
        pass
while True:
    c, _ = s.accept()
    threading.Thread(target=hold, args=(c,), daemon=True).start()
`

const CAP = 4

let h: Harness
let g: GatewayApp
let proxy: AppProxy
let name: string
let session: Session
let cookie: string
const open: (Socket | ClientRequest)[] = []

beforeAll(async () => {
  h = await startHarness({
    workshops: [{ name: 'web', reserved: 0 }],
    ingressesFor: { web: [{ name: 'site', port: 8000 }] },
  })
  const backend = h.lg.deps.backend as LocalBackend
  proxy = new AppProxy({ backend, maxConnectionsPerSession: CAP, log: () => {} })
  g = await startGatewayApp(h, (app, ctx) => {
    appRoutes(app, ctx, proxy)
    app.server.on('upgrade', appUpgradeHandler(ctx, proxy))
  })
  name = await requestSession(h, 'lab-w01', 'learner')
  session = await eventually('the sandbox', async () => {
    const s = await h.lg.deps.store.getSession(name)
    return s?.handle && s.state === 'RUNNING' ? s : null
  })
  cookie = await g.cookieFor('learner', name)
  writeFileSync(join((session.handle as LocalHandle).home, 'holder.py'), HOLDER)
  backend.spawn(session.handle!, ['python3', 'holder.py'], { stdio: 'ignore' }).unref()
  await eventually('the app to listen', async () => (await upgrade()) === 101)
}, 60_000)

afterAll(async () => {
  for (const c of open) c.destroy()
  await proxy?.close()
  await g?.close()
  await h?.close()
  if (h) killSandboxesUnder(h.data)
})

/** Opens a WebSocket handshake to the app and keeps it; resolves with its status. */
function upgrade(): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(g.url)
    const req = request({
      host: u.hostname,
      port: u.port,
      path: `/sessions/${name}/apps/site/`,
      headers: {
        cookie,
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      },
    })
    open.push(req)
    req.on('upgrade', (res, socket) => {
      open.push(socket)
      resolve(res.statusCode ?? 0)
    })
    req.on('response', (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('error', reject)
    req.end()
  })
}

/** The processes whose parent is `pid`. */
function childrenOf(pid: number): number[] {
  const kids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) kids.push(Number(entry))
    } catch {
      // gone
    }
  }
  return kids
}

describe('connections to a session app', () => {
  it('are capped per session in the proxy, with a 429 that says why', async () => {
    for (const c of open.splice(0)) c.destroy()
    // (Optional call: without the cap there is nothing to count, and the 429 below is what fails.)
    const counted = () => proxy.openConnections?.(name) ?? 0
    await eventually('the probe to be released', async () => counted() === 0)
    for (let i = 0; i < CAP; i++) expect(await upgrade()).toBe(101)
    expect(await upgrade()).toBe(429)
    const page = await fetch(`${g.url}/sessions/${name}/apps/site/`, { headers: { cookie } })
    expect(page.status).toBe(429)
    expect(await page.text()).toBe(tooManyConnections(CAP))
    // Closing one makes room again.
    open.find((c): c is Socket => 'remoteAddress' in c && !c.destroyed)!.destroy()
    await eventually('a slot to free', async () => counted() < CAP)
    expect(await upgrade()).toBe(101)
  })

  it('fork at most max-children socat processes per forwarder', async () => {
    const capped = new LocalBackend({
      dataDir: h.data,
      forwarders: { runDir: join(h.data, 'run-capped'), maxConnections: 3 },
      log: () => {},
    })
    const sockets: Socket[] = []
    try {
      const path = await capped.forwarders.socketFor(session.handle as LocalHandle, 8000)
      const socat = capped.forwarders.pidOf(name, 8000)!
      for (let i = 0; i < 12; i++) {
        const s = connect(path)
        s.on('error', () => {})
        sockets.push(s)
      }
      await eventually('the first connections to be forwarded', async () => childrenOf(socat).length >= 3)
      // Give an unbounded socat the time to fork for every waiting connection.
      await new Promise((r) => setTimeout(r, 1500))
      expect(childrenOf(socat).length).toBe(3)
    } finally {
      for (const s of sockets) s.destroy()
      await capped.close()
    }
  })
})
