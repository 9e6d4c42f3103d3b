import { createServer, type Server } from 'node:http'
import { createServer as createTcpServer, type AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { agentTokens } from '../../auth/agent-tokens.js'
import { authFixture, type AuthFixture } from '../../auth/testing.js'
import { TokenCache } from '../../auth/token-cache.js'
import type { PtyLike, SandboxSpec } from '../backend.js'
import { FakeBackend, FakeWorld, type FakePty } from '../fake/index.js'
import { AgentHub } from './agent-hub.js'
import type { AgentLink } from './agent-link.js'
import { AgentRunner } from './agent-runner.js'
import { AGENT_PATH } from './protocol.js'

const SESSION = 'p-w01-s001'
const SPEC: SandboxSpec = { session: SESSION, workshop: 'lab', env: { GREETING: 'hi' } }
const PTY = { env: {}, pty: { cols: 80, rows: 24 } }

let f: AuthFixture
let tokens: TokenCache
let credentials: ReturnType<typeof agentTokens>
/** labgate's side: the hub and the HTTP server it serves agents on. */
let labgate: { hub: AgentHub; server: Server; port: number }
let world: FakeWorld
let backend: FakeBackend
let runner: AgentRunner
let done: Promise<void>
let logs: string[]

/** An HTTP server on 127.0.0.1:`port` (0: any) whose upgrades go to a new hub. */
async function serveAgents(port = 0): Promise<typeof labgate> {
  const hub = new AgentHub({ credentials, log: () => {} })
  const server = createServer((_req, res) => res.writeHead(404).end())
  server.on('upgrade', (req, socket: Duplex, head: Buffer) => {
    if (!hub.handleUpgrade(req, socket, head)) socket.destroy()
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
  return { hub, server, port: (server.address() as AddressInfo).port }
}

async function stopServing(l: typeof labgate): Promise<void> {
  await l.hub.close()
  l.server.closeAllConnections()
  await new Promise<void>((resolve) => l.server.close(() => resolve()))
}

/** Starts an agent for SESSION with a fresh token; resolves with the token's grant and the first link. */
async function startAgent(): Promise<{ grant: string; link: AgentLink }> {
  const { token, grant } = await credentials.issue(SESSION, null)
  runner = new AgentRunner({
    url: `ws://127.0.0.1:${labgate.port}${AGENT_PATH}`,
    token,
    session: SESSION,
    backend,
    log: (m) => logs.push(m),
    watchMs: 50,
    maxBackoffMs: 200,
  })
  done = runner.run()
  return { grant, link: await labgate.hub.waitFor(SESSION, 5000) }
}

/** Starts an agent and its sandbox. */
async function running(): Promise<{ grant: string; link: AgentLink }> {
  const started = await startAgent()
  expect(await started.link.start(SPEC)).toEqual([])
  return started
}

/** Everything `pty` printed so far, as text. */
function output(pty: PtyLike): { text: string } {
  const out = { text: '' }
  pty.onData((d) => (out.text += d.toString()))
  return out
}

const exitOf = (pty: PtyLike) =>
  new Promise<{ exitCode: number; signal?: number }>((resolve) => pty.onExit(resolve))

/** The fake sandbox's processes. */
const fakePtys = (): FakePty[] => [...world.sandboxes.values()].flatMap((s) => [...s.ptys])

/** Reads `stream` to its end. */
function readAll(stream: Duplex): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    stream.on('data', (c: Buffer) => chunks.push(c))
    stream.on('end', () => resolve(Buffer.concat(chunks)))
    stream.on('error', reject)
  })
}

beforeEach(async () => {
  f = await authFixture()
  tokens = new TokenCache({ grants: f.grants, clock: f.clock })
  credentials = agentTokens({ auth: f.auth, grants: f.grants, tokens, clock: f.clock })
  labgate = await serveAgents()
  world = new FakeWorld()
  backend = new FakeBackend({ world })
  logs = []
})

afterEach(async () => {
  await runner?.terminate('the test ended')
  await stopServing(labgate)
  tokens.close()
  await f.close()
})

describe('agent: the sandbox', () => {
  it('says hello, then starts the sandbox when asked', async () => {
    const { link } = await startAgent()
    expect(link.hello.session).toBe(SESSION)
    expect(link.hello.ready).toBe(false)
    expect(link.hello.startedAt).toBeGreaterThan(0)
    expect(world.sandboxes.size).toBe(0)
    expect(await link.start(SPEC)).toEqual([])
    expect(world.running).toBe(1)
    expect([...world.sandboxes.values()][0]?.spec).toEqual(SPEC)
  })

  it('refuses a spec of another session, and ends', async () => {
    const { link } = await startAgent()
    await expect(link.start({ ...SPEC, session: 'p-w01-s002' })).rejects.toThrow(
      'the spec is for another session',
    )
    expect(world.sandboxes.size).toBe(0)
  })

  it('reports a sandbox that does not start, and ends', async () => {
    await backend.close()
    const { link } = await startAgent()
    await expect(link.start(SPEC)).rejects.toMatchObject({ code: 'backend_failed' })
    await done
    expect(world.running).toBe(0)
  })

  it('stops the sandbox when asked, deleting its files, and ends', async () => {
    const { link } = await running()
    const closed = new Promise<void>((resolve) => link.onClose(resolve))
    await link.stop(true)
    await done
    await closed
    expect(world.running).toBe(0)
    expect(world.stops).toBe(1)
    expect(world.homes.has(SESSION)).toBe(false)
  })

  it('keeps the files when asked to stop without purging', async () => {
    const { link } = await running()
    await link.stop(false)
    await done
    expect(world.running).toBe(0)
    expect(world.homes.has(SESSION)).toBe(true)
  })

  it('stops the sandbox on terminate', async () => {
    const { link } = await running()
    const closed = new Promise<void>((resolve) => link.onClose(resolve))
    await runner.terminate('SIGTERM')
    await done
    await closed
    expect(world.running).toBe(0)
    expect(world.homes.has(SESSION)).toBe(false)
  })

  it('reports a sandbox that ended by itself, with its reason, and ends', async () => {
    const { link } = await running()
    const gone = new Promise<string>((resolve) => link.onGone(resolve))
    backend.kill({ backend: 'fake', id: [...world.sandboxes.keys()][0] }, 'crashed')
    expect(await gone).toBe('crashed')
    expect(link.goneReason).toBe('crashed')
    await done
    expect(() => link.exec(PTY)).toThrow('the sandbox is not running')
  })
})

describe('agent: ptys', () => {
  it('runs a pty: output, input, resizes and the exit go through the link', async () => {
    const { link } = await running()
    const pty = link.exec({ argv: ['bash', '-l'], env: { A: '1' }, pty: { cols: 100, rows: 30 } })
    const out = output(pty)
    const exit = exitOf(pty)
    await expect.poll(() => out.text).toContain('$ ')
    expect(fakePtys()).toHaveLength(1)
    expect(fakePtys()[0]).toMatchObject({
      argv: ['bash', '-l'],
      env: { A: '1' },
      size: { cols: 100, rows: 30 },
    })

    pty.write('stty size\r')
    await expect.poll(() => out.text).toContain('30 100')
    pty.resize(132, 43)
    pty.write('stty size\r')
    await expect.poll(() => out.text).toContain('43 132')
    expect(fakePtys()[0]?.written.join('')).toBe('stty size\rstty size\r')

    pty.write('exit 3\r')
    expect(await exit).toEqual({ exitCode: 3 })
    await expect.poll(() => fakePtys()).toHaveLength(0)
  })

  it('signals a pty', async () => {
    const { link } = await running()
    const pty = link.exec(PTY)
    const exit = exitOf(pty)
    await expect.poll(() => fakePtys()).toHaveLength(1)
    pty.kill('SIGTERM')
    expect(await exit).toEqual({ exitCode: 0, signal: 15 })
  })

  it('runs ptys side by side, each on its own channel', async () => {
    const { link } = await running()
    const [a, b] = [link.exec(PTY), link.exec(PTY)]
    const [outA, outB] = [output(a), output(b)]
    await expect.poll(() => fakePtys()).toHaveLength(2)
    a.write('alpha')
    b.write('beta')
    await expect.poll(() => outA.text).toContain('alpha')
    await expect.poll(() => outB.text).toContain('beta')
    expect(outA.text).not.toContain('beta')
    expect(outB.text).not.toContain('alpha')
  })

  it('ends ptys with status 1 when the connection closes', async () => {
    const { link } = await running()
    const pty = link.exec(PTY)
    const exit = exitOf(pty)
    await expect.poll(() => fakePtys()).toHaveLength(1)
    link.close()
    expect(await exit).toEqual({ exitCode: 1 })
    expect(() => link.exec(PTY)).toThrow('the sandbox is not running')
  })

  it('ends ptys when the sandbox stops', async () => {
    const { link } = await running()
    const pty = link.exec(PTY)
    const exit = exitOf(pty)
    await expect.poll(() => fakePtys()).toHaveLength(1)
    await link.stop(true)
    expect((await exit).exitCode).toBeTypeOf('number')
    expect(world.running).toBe(0)
  })

  it('does not let a pty of a closed connection act on a channel of the next one', async () => {
    const { link } = await running()
    link.exec(PTY)
    await expect.poll(() => fakePtys()).toHaveLength(1)
    const [orphan] = fakePtys()
    link.close()
    await expect.poll(() => labgate.hub.link(SESSION)?.hello.ready, { timeout: 5000 }).toBe(true)
    const next = labgate.hub.link(SESSION)!
    expect(orphan?.exited).not.toBeNull()
    const pty = next.exec(PTY)
    const out = output(pty)
    let exited = false
    pty.onExit(() => (exited = true))
    await expect.poll(() => out.text).toContain('$ ')
    orphan?.write('from the old one\r')
    orphan?.write('exit 7\r')
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(out.text).not.toContain('from the old one')
    expect(exited).toBe(false)
  })
})

describe('agent: ports', () => {
  it('dials a port: bytes go both ways, and each side can end its half', async () => {
    const { link } = await running()
    const echo = createTcpServer((socket) => {
      const chunks: Buffer[] = []
      socket.on('data', (c: Buffer) => chunks.push(c))
      socket.on('end', () => socket.end(Buffer.concat(chunks).reverse()))
    })
    await world.listen(SESSION, 8080, echo)
    const stream = await link.dial(8080)
    const reply = readAll(stream)
    const sent = Buffer.from(Array.from({ length: 256 * 1024 }, (_, i) => (i * 7) % 251))
    stream.end(sent)
    expect((await reply).equals(Buffer.from(sent).reverse())).toBe(true)
  })

  it('carries a megabyte each way at once', async () => {
    const { link } = await running()
    const echo = createTcpServer((socket) => socket.pipe(socket))
    await world.listen(SESSION, 9000, echo)
    const stream = await link.dial(9000)
    const size = 1024 * 1024
    const received: Buffer[] = []
    let got = 0
    const all = new Promise<void>((resolve) =>
      stream.on('data', (c: Buffer) => {
        received.push(c)
        got += c.length
        if (got >= size) resolve()
      }),
    )
    const sent = Buffer.alloc(size)
    for (let i = 0; i < size; i++) sent[i] = i % 253
    stream.write(sent)
    await all
    expect(Buffer.concat(received).equals(sent)).toBe(true)
    stream.destroy()
  })

  it('rejects a dial of a port nothing listens on', async () => {
    const { link } = await running()
    const err = await link.dial(9999).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Error)
    expect((err as Error).message).toMatch(/^connect /)
    expect((err as NodeJS.ErrnoException).code).toBeTypeOf('string')
  })

  it('rejects dials of impossible ports', async () => {
    const { link } = await running()
    await expect(link.dial(0)).rejects.toMatchObject({ code: 'EINVAL' })
    await expect(link.dial(70_000)).rejects.toMatchObject({ code: 'EINVAL' })
  })

  it('rejects a dial before the sandbox runs', async () => {
    const { link } = await startAgent()
    await expect(link.dial(8080)).rejects.toMatchObject({ code: 'EINVAL' })
  })

  it('ends port connections when the connection closes', async () => {
    const { link } = await running()
    await world.listen(
      SESSION,
      8080,
      createTcpServer(() => {}),
    )
    const stream = await link.dial(8080)
    const closed = new Promise<void>((resolve) => stream.once('close', resolve))
    link.close()
    await closed
    expect(stream.destroyed).toBe(true)
    await expect(link.dial(8080)).rejects.toMatchObject({ code: 'unavailable' })
  })
})

describe('agent: reconnecting', () => {
  it('reconnects after labgate restarts on the same port, with the sandbox still running', async () => {
    const { link } = await running()
    const closed = new Promise<void>((resolve) => link.onClose(resolve))
    const port = labgate.port
    await stopServing(labgate)
    await closed
    labgate = await serveAgents(port)
    const again = await labgate.hub.waitFor(SESSION, 5000)
    expect(again.hello).toMatchObject({ session: SESSION, ready: true, startedAt: link.hello.startedAt })
    expect(world.running).toBe(1)
    expect(world.starts).toBe(1)
    expect(await again.start(SPEC)).toEqual([])
    expect(world.starts).toBe(1)

    const pty = again.exec(PTY)
    const out = output(pty)
    pty.write('stty size\r')
    await expect.poll(() => out.text).toContain('24 80')
  })

  it('stops the sandbox when labgate no longer accepts its token', async () => {
    const { link, grant } = await running()
    await credentials.revoke(grant)
    link.close()
    await done
    expect(world.running).toBe(0)
    expect(logs.join('\n')).toMatch(/HTTP 401/)
  })
})
