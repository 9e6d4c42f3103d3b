/**
 * With `network: host` every sandbox shares the host's loopback, and the proxy dialed `127.0.0.1:<port>`
 * whoever listened there: another session of the same workshop (which declares the same port) or any
 * program of the host got this session's requests, cookies and form posts. The backend now checks that
 * every listener a connection there may reach is held by a process of the session's own sandbox.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalBackend, type LocalHandle } from '../../src/backends/local/index.js'
import { killSandboxesUnder } from '../../src/backends/local/testing.js'
import { AppProxy } from '../../src/gateway/app-proxy.js'
import type { Session } from '../../src/store/rows.js'
import { eventually } from '../harness.js'

let dataDir: string
let backend: LocalBackend
let proxy: AppProxy
let a: LocalHandle
let b: LocalHandle
let host: Server
let hostPort: number
let ownPort: number
let hostConnections = 0

const free = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })

const row = (h: LocalHandle) => ({ name: h.session, backend: 'local', handle: h }) as unknown as Session

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'labgate-hostnet-'))
  backend = new LocalBackend({ dataDir, log: () => {} })
  proxy = new AppProxy({ backend, log: () => {} })
  const start = async (session: string) =>
    (await backend.start({ session, workshop: 'w', env: {}, network: 'host' })).handle as LocalHandle
  a = await start('hostnet-w01-s001')
  b = await start('hostnet-w01-s002')
  host = createServer((socket) => {
    hostConnections += 1
    socket.destroy()
  })
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve))
  hostPort = (host.address() as { port: number }).port
  ownPort = await free()
  // Session A's own app, started in its sandbox (on the host's loopback, since it shares the network).
  backend
    .spawn(a, ['python3', '-m', 'http.server', String(ownPort), '--bind', '127.0.0.1'], { stdio: 'ignore' })
    .unref()
  await eventually('A to listen', async () => {
    try {
      return await backend.connect(a, ownPort).then(async (e) => {
        const res = await fetch(`http://127.0.0.1:${ownPort}/`).catch(() => null)
        return res?.status === 200 ? e : null
      })
    } catch {
      return null
    }
  })
}, 60_000)

afterAll(async () => {
  await proxy?.close()
  host?.close()
  await Promise.allSettled([a, b].filter(Boolean).map((h) => backend.stop(h, { purge: true })))
  await backend?.close()
  killSandboxesUnder(dataDir)
  rmSync(dataDir, { recursive: true, force: true })
})

describe('a session on the host network', () => {
  it('is never connected to a listener of the host that is not its own', async () => {
    await expect(backend.connect(a, hostPort)).rejects.toMatchObject({ code: 'backend_failed' })
    await expect(proxy.upstream(row(a), hostPort)).rejects.toMatchObject({
      status: 502,
      message: expect.stringMatching(
        new RegExp(`^Port ${hostPort} on this host is held by a program outside`),
      ),
    })
    expect(hostConnections).toBe(0)
  })

  it("is never connected to another session's listener on the same port", async () => {
    await expect(backend.connect(b, ownPort)).rejects.toMatchObject({ code: 'backend_failed' })
  })

  it('reaches its own listener', async () => {
    expect(await backend.connect(a, ownPort)).toEqual({ host: '127.0.0.1', port: ownPort })
    expect(await proxy.upstream(row(a), ownPort)).toEqual({ host: '127.0.0.1', port: ownPort })
  })
})
