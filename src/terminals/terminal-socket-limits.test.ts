import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FakePty } from '../backends/fake/index.js'
import type { Session } from '../store/rows.js'
import { CLOSE } from './protocol.js'
import { TerminalManager } from './terminal-manager.js'
import { attachTerminalSockets, type TerminalSockets } from './terminal-socket.js'
import { openTerminal, type TestTerminal } from './testing.js'

// The socket's caps, over fake shells: rate limits per connection and per session, sockets per session.
describe('terminal socket limits', () => {
  let server: Server
  let sockets: TerminalSockets
  let base: string
  const opened: TestTerminal[] = []
  const terminals = new TerminalManager({
    backend: { exec: (_handle, opts) => new FakePty(opts) },
    maxClientsPerTerminal: 100,
    killGraceMs: 20,
  })
  const open = async (path: string) => {
    const t = await openTerminal(`${base}${path}`)
    opened.push(t)
    return t
  }

  beforeAll(async () => {
    server = createServer((_req, res) => res.writeHead(404).end())
    sockets = attachTerminalSockets(server, {
      terminals,
      log: () => {},
      maxConnectionsPerSession: 3,
      connectionLimits: {
        frames: { burst: 20, perSecond: 5 },
        bytes: { burst: 1 << 20, perSecond: 1 << 20 },
      },
      sessionLimits: { frames: { burst: 30, perSecond: 5 }, bytes: { burst: 1 << 20, perSecond: 1 << 20 } },
      authorize: async (_req, session) => ({
        sessionRow: { name: session, handle: { backend: 'fake' } } as unknown as Session,
        env: {},
      }),
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`
  })

  afterAll(async () => {
    for (const t of opened) t.ws.terminate()
    await terminals.closeAll()
    sockets.close()
    await new Promise((resolve) => server.close(resolve))
  })

  it('closes a socket that sends frames faster than its limit, saying why', async () => {
    const t = await open('/sessions/s1/terminal/1')
    for (let i = 0; i < 40; i++) t.type('a')
    expect(await t.closed).toBe(CLOSE.tooFast)
    expect(t.controls.at(-1)).toMatchObject({
      t: 'x',
      code: null,
      message: expect.stringMatching(/too fast/),
    })
  })

  it('holds all sockets of a session to the session limit together', async () => {
    const one = await open('/sessions/s2/terminal/1')
    const two = await open('/sessions/s2/terminal/2')
    // 16 frames each: under each socket's burst of 20, over the session's 30 together.
    for (let i = 0; i < 16; i++) {
      one.type('b')
      two.type('c')
    }
    const codes = await Promise.race([
      Promise.all([one.closed, two.closed]).then(() => 'both'),
      Promise.race([one.closed, two.closed]),
      new Promise((r) => setTimeout(() => r('none'), 2000)),
    ])
    expect(codes).toBe(CLOSE.tooFast)
  })

  it('refuses more sockets per session than the cap with 429, and admits again once one closes', async () => {
    const held = [0, 1, 2].map((i) => open(`/sessions/s3/terminal/${i + 1}`))
    const first = (await Promise.all(held))[0]!
    await expect(open('/sessions/s3/terminal/4')).rejects.toMatchObject({ status: 429 })
    first.ws.close()
    await first.closed
    await new Promise((r) => setTimeout(r, 50))
    await expect(open('/sessions/s3/terminal/4')).resolves.toBeDefined()
  })
})
