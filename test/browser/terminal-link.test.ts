/**
 * The dashboard's terminal connection (`web-static/dashboard/terminal-link.js`, plain ESM without the DOM)
 * against what the server really sends: frames from the server's own encoder, and a real terminal
 * socket server whose session ends the way labgate ends one (`closeSession` with its message).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import WebSocket from 'ws'
import { SESSION_ENDED } from '../../src/main/gateway-setup.js'
import type { Session } from '../../src/store/rows.js'
import { PONG, exitFrame } from '../../src/terminals/protocol.js'
import type { PtyLike } from '../../src/backends/backend.js'
import { TerminalManager } from '../../src/terminals/terminal-manager.js'
import { attachTerminalSockets, type TerminalSockets } from '../../src/terminals/terminal-socket.js'
import {
  TerminalLink,
  type LinkHost,
  type LinkSocketEvents,
} from '../../web-static/dashboard/terminal-link.js'

/** A host that records what the link does; `events` drives the current socket, `answer` the server. */
function fakeHost() {
  const log: string[] = []
  const sent: string[] = []
  let events: LinkSocketEvents | undefined
  let answer: (ended: boolean) => void = () => {}
  const host: LinkHost = {
    connect: (e) => {
      log.push('connect')
      events = e
      return { send: (d) => void sent.push(d), close: () => void log.push('close') }
    },
    opened: () => {
      log.push('opened')
      return { cols: 80, rows: 24 }
    },
    write: (d) => void log.push(`write ${typeof d === 'string' ? d.trim() : d.length}`),
    sessionEnded: (message) => {
      log.push(`ask: ${message}`)
      return new Promise((resolve) => (answer = resolve))
    },
  }
  return { host, log, sent, events: () => events!, answer: (ended: boolean) => answer(ended) }
}

describe('the dashboard terminal link, with the server encoder', () => {
  afterEach(() => void vi.useRealTimers())

  it('asks whether the session ended when labgate closes the terminal, and stays down if so', async () => {
    vi.useFakeTimers()
    const h = fakeHost()
    new TerminalLink(h.host)
    h.events().opened()
    h.events().received(PONG)
    h.events().received(exitFrame(null, SESSION_ENDED))
    h.events().closed(1000)
    expect(h.log).toEqual([
      'connect',
      'opened',
      `write \x1b[33m${SESSION_ENDED}\x1b[0m`,
      `ask: ${SESSION_ENDED}`,
    ])
    h.answer(true)
    await vi.runAllTimersAsync()
    expect(h.log.slice(4)).toEqual([])
  })

  it('reconnects once the server says the session still runs (e.g. labgate restarting)', async () => {
    vi.useFakeTimers()
    const h = fakeHost()
    new TerminalLink(h.host)
    h.events().opened()
    h.events().received(exitFrame(null, 'labgate is shutting down'))
    h.events().closed(1000)
    h.answer(false)
    await vi.runAllTimersAsync()
    expect(h.log.slice(3)).toEqual(['ask: labgate is shutting down', 'connect'])
  })

  it('replaces a shell that exited without asking', async () => {
    vi.useFakeTimers()
    const h = fakeHost()
    new TerminalLink(h.host)
    h.events().opened()
    h.events().received(exitFrame(0, 'The shell exited with status 0.'))
    h.events().closed(1000)
    await vi.runAllTimersAsync()
    expect(h.log.slice(2)).toEqual(['write \x1b[33mThe shell exited with status 0.\x1b[0m', 'connect'])
  })

  it('asks when a connection is refused, and backs off while the session runs', async () => {
    vi.useFakeTimers()
    const h = fakeHost()
    new TerminalLink(h.host)
    h.events().closed(1006)
    expect(h.log).toEqual(['connect', 'ask: '])
    h.answer(false)
    await vi.advanceTimersByTimeAsync(199)
    expect(h.log).toEqual(['connect', 'ask: '])
    await vi.advanceTimersByTimeAsync(1)
    expect(h.log).toEqual(['connect', 'ask: ', 'connect'])
  })

  it('sends the size on open, then input typed while it was down; splits long input', () => {
    const h = fakeHost()
    const link = new TerminalLink(h.host)
    link.input('early\r')
    link.resize(100, 30) // dropped: the next open sends the size
    h.events().opened()
    link.input('x'.repeat(100_000))
    expect(h.sent.map((s) => JSON.parse(s) as Record<string, unknown>)).toMatchObject([
      { t: 'r', c: 80, r: 24 },
      { t: 'i', d: 'early\r' },
      { t: 'i' },
      { t: 'i' },
      { t: 'i' },
      { t: 'i' },
      { t: 'i' },
    ])
    link.close()
    h.events().closed(1000)
    expect(h.log).toEqual(['connect', 'opened', 'close'])
  })
})

/** A shell double: `exit` plays the shell exiting; SIGHUP (labgate closing it) makes it exit. */
class FakePty implements PtyLike {
  readonly pid = 4242
  #exit: ((e: { exitCode: number; signal?: number }) => void)[] = []
  onData() {}
  onExit(l: (e: { exitCode: number; signal?: number }) => void) {
    this.#exit.push(l)
  }
  write() {}
  resize() {}
  pause() {}
  resume() {}
  kill(signal?: string) {
    setTimeout(() => this.exit(0, signal === 'SIGKILL' ? 9 : 1), 1)
  }
  exit(exitCode: number, signal?: number) {
    for (const l of this.#exit) l({ exitCode, signal })
  }
}

describe('the dashboard terminal link, against the terminal socket server', () => {
  const session = 'lab-w01-s001'
  const ptys: FakePty[] = []
  const terminals = new TerminalManager({
    backend: {
      exec: () => {
        const pty = new FakePty()
        ptys.push(pty)
        return pty
      },
    },
    killGraceMs: 50,
  })
  let running = true
  let server: Server
  let sockets: TerminalSockets
  let url: string

  beforeAll(async () => {
    server = createServer((_req, res) => res.writeHead(404).end())
    sockets = attachTerminalSockets(server, {
      terminals,
      log: () => {},
      // As the gateway does: only a running session's terminals open.
      authorize: async () =>
        running ? { sessionRow: { name: session, handle: { backend: 'fake' } } as Session, env: {} } : null,
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/sessions/${session}/terminal/1`
  })
  afterAll(async () => {
    await terminals.closeAll()
    sockets?.close()
    await new Promise((resolve) => server?.close(resolve))
  })

  /** A host over a `ws` client, as the browser's terminal view wires a WebSocket. */
  const wsHost = () => {
    const log: string[] = []
    let answer: (ended: boolean) => void = () => {}
    const opened = vi.fn(() => ({ cols: 80, rows: 24 }))
    const host: LinkHost = {
      connect: (events) => {
        log.push('connect')
        const ws = new WebSocket(url)
        ws.binaryType = 'arraybuffer'
        ws.onopen = () => {
          log.push('open')
          events.opened()
        }
        ws.onmessage = (ev) => events.received(ev.data as ArrayBuffer | string)
        ws.onclose = (ev) => events.closed(ev.code)
        ws.onerror = () => {}
        return { send: (d) => ws.send(d), close: () => ws.close() }
      },
      opened,
      write: () => {},
      sessionEnded: (message) => {
        log.push(`ask: ${message}`)
        return new Promise((resolve) => (answer = resolve))
      },
    }
    return { host, log, answer: (ended: boolean) => answer(ended) }
  }

  const until = async (check: () => boolean) => {
    while (!check()) await new Promise((r) => setTimeout(r, 5))
  }

  it('notices the end of its session from the socket itself', async () => {
    running = true
    const h = wsHost()
    const link = new TerminalLink(h.host)
    await until(() => h.log.includes('open'))
    running = false
    await terminals.closeSession(session, SESSION_ENDED)
    await until(() => h.log.length > 2)
    expect(h.log).toEqual(['connect', 'open', `ask: ${SESSION_ENDED}`])
    h.answer(true)
    await new Promise((r) => setTimeout(r, 400))
    expect(h.log).toHaveLength(3)
    link.close()
  })

  it('reconnects to a new shell when its shell exits', async () => {
    running = true
    const h = wsHost()
    const link = new TerminalLink(h.host)
    await until(() => h.log.includes('open'))
    ptys.at(-1)!.exit(0)
    await until(() => h.log.filter((l) => l === 'open').length === 2)
    expect(h.log).toEqual(['connect', 'open', 'connect', 'open'])
    link.close()
  })
})
