import { spawn } from 'node-pty'
import { describe, expect, it } from 'vitest'
import type { ExecBackend, PtyLike } from '../backends/backend.js'
import { FakeBackend } from '../backends/fake/index.js'
import type { TerminalClient } from './terminal-manager.js'
import { TerminalManager } from './terminal-manager.js'

const handle = { backend: 'fake' }

/** A pty double: records what the manager does to it; `emit` and `exit` play the shell. */
class RecordingPty implements PtyLike {
  static count = 0
  readonly pid = 1000 + ++RecordingPty.count
  written: string[] = []
  calls: string[] = []
  #data: Array<(d: Buffer) => void> = []
  #exit: Array<(e: { exitCode: number; signal?: number }) => void> = []
  constructor(readonly ignoreHup = false) {}
  onData(l: (d: Buffer) => void) {
    this.#data.push(l)
  }
  onExit(l: (e: { exitCode: number; signal?: number }) => void) {
    this.#exit.push(l)
  }
  write(d: string) {
    this.written.push(d)
  }
  resize(c: number, r: number) {
    this.calls.push(`resize ${c}x${r}`)
  }
  pause() {
    this.calls.push('pause')
  }
  resume() {
    this.calls.push('resume')
  }
  kill(signal = 'SIGHUP') {
    this.calls.push(signal)
    if (signal === 'SIGKILL' || !this.ignoreHup)
      setTimeout(() => this.exit(0, signal === 'SIGKILL' ? 9 : 1), 1)
  }
  emit(text: string) {
    for (const l of this.#data) l(Buffer.from(text))
  }
  exit(exitCode: number, signal?: number) {
    for (const l of this.#exit) l({ exitCode, signal })
  }
}

class Client implements TerminalClient {
  out = ''
  closedWith: [number | null, string] | null = null
  accept = true
  send(data: Buffer) {
    this.out += data.toString()
    return this.accept
  }
  close(code: number | null, message: string) {
    this.closedWith = [code, message]
  }
}

function setup(opts: { ignoreHup?: boolean; now?: () => number } = {}) {
  const ptys: RecordingPty[] = []
  const activity: string[] = []
  const backend: ExecBackend = {
    exec: () => {
      const pty = new RecordingPty(opts.ignoreHup)
      ptys.push(pty)
      return pty
    },
  }
  const manager = new TerminalManager({
    backend,
    scrollbackBytes: 8,
    maxTerminalsPerSession: 2,
    maxClientsPerTerminal: 2,
    onActivity: (s) => activity.push(s),
    clock: opts.now,
    killGraceMs: 20,
  })
  return { manager, ptys, activity }
}

describe('TerminalManager', () => {
  it('replays the last bytes of output to a reattaching client, then live output to all', () => {
    const { manager, ptys } = setup()
    const first = new Client()
    const a = manager.attach('s1', '1', handle, {}, first)
    expect(a.created).toBe(true)
    ptys[0]!.emit('hello world')
    a.detach()
    ptys[0]!.emit('!')
    const second = new Client()
    const third = new Client()
    expect(manager.attach('s1', '1', handle, {}, second).created).toBe(false)
    manager.attach('s1', '1', handle, {}, third)
    ptys[0]!.emit('+')
    expect(first.out).toBe('hello world')
    expect(second.out).toBe('o world!+')
    expect(third.out).toBe('o world!+')
    expect(ptys).toHaveLength(1)
  })

  it('hands a terminal started ahead to its first client: its prompt, resized to the client', () => {
    const { manager, ptys } = setup()
    manager.prestart('s1', '1', handle, { B: '2', A: '1' })
    expect(ptys).toHaveLength(1)
    ptys[0]!.emit('$ ')
    const client = new Client()
    // Same environment, another order of keys.
    const a = manager.attach('s1', '1', handle, { A: '1', B: '2' }, client, { cols: 120, rows: 40 })
    expect(a.created).toBe(true)
    expect(client.out).toBe('$ ')
    expect(ptys[0]!.calls).toContain('resize 120x40')
    expect(ptys).toHaveLength(1)
    // Only the first attach takes over; later ones reattach as usual, and prestart leaves it alone.
    manager.prestart('s1', '1', handle, {})
    expect(manager.attach('s1', '1', handle, {}, new Client()).created).toBe(false)
    expect(ptys).toHaveLength(1)
  })

  it('replaces a terminal started ahead when the session’s environment changed since', async () => {
    const { manager, ptys } = setup()
    manager.prestart('s1', '1', handle, { A: '1' })
    ptys[0]!.emit('old$ ')
    const client = new Client()
    const a = manager.attach('s1', '1', handle, { A: '1', PARAM: 'x' }, client)
    expect(a.created).toBe(true)
    expect(ptys).toHaveLength(2)
    expect(ptys[0]!.calls).toContain('SIGHUP')
    expect(client.out).toBe('')
    ptys[1]!.emit('new$ ')
    expect(client.out).toBe('new$ ')
    await new Promise((r) => setTimeout(r, 10))
    // The old shell's exit does not end the new terminal.
    expect(manager.list('s1')).toEqual(['1'])
    expect(client.closedWith).toBeNull()
  })

  it('keys terminals by session and id, and validates ids', () => {
    const { manager, ptys } = setup()
    manager.attach('s1', 'editor', handle, {}, new Client())
    manager.attach('s1', '2', handle, {}, new Client())
    manager.attach('s2', '2', handle, {}, new Client())
    expect(ptys).toHaveLength(3)
    expect(manager.list('s1')).toEqual(['2', 'editor'])
    expect(manager.list('nope')).toEqual([])
    for (const bad of ['', 'A', '-x', 'a/b', 'x'.repeat(32), '../1']) {
      expect(() => manager.attach('s1', bad, handle, {}, new Client())).toThrow(/invalid terminal id/)
    }
    expect(() => manager.attach('s1', '3', handle, {}, new Client())).toThrow(/too many terminals/)
    manager.attach('s1', '2', handle, {}, new Client())
    expect(() => manager.attach('s1', '2', handle, {}, new Client())).toThrow(/too many viewers/)
  })

  it('writes input, counts it as activity (throttled), and resizes with clamping', () => {
    let now = 0
    const { manager, ptys, activity } = setup({ now: () => now })
    const a = manager.attach('s1', '1', handle, {}, new Client())
    a.input('ls\r')
    a.input('x')
    now = 6000
    a.input('y')
    a.resize({ cols: 5000, rows: 0 })
    expect(ptys[0]!.written).toEqual(['ls\r', 'x', 'y'])
    expect(activity).toEqual(['s1', 's1'])
    expect(ptys[0]!.calls).toEqual(['resize 1000x1'])
    a.detach()
    a.input('ignored')
    expect(ptys[0]!.written).toHaveLength(3)
  })

  it('pauses the shell while a client is backed up and resumes when all caught up', () => {
    const { manager, ptys } = setup()
    const slow = new Client()
    const fast = new Client()
    const s = manager.attach('s1', '1', handle, {}, slow)
    manager.attach('s1', '1', handle, {}, fast)
    slow.accept = false
    ptys[0]!.emit('a')
    ptys[0]!.emit('b')
    expect(ptys[0]!.calls).toEqual(['pause'])
    s.drained()
    expect(ptys[0]!.calls).toEqual(['pause', 'resume'])
    ptys[0]!.emit('c')
    s.detach()
    expect(ptys[0]!.calls).toEqual(['pause', 'resume', 'pause', 'resume'])
  })

  it('closes clients with the exit status when the shell exits; the next attach starts a new shell', () => {
    const { manager, ptys } = setup()
    const client = new Client()
    manager.attach('s1', '1', handle, {}, client)
    ptys[0]!.exit(3)
    expect(client.closedWith).toEqual([3, 'The shell exited with status 3.'])
    expect(manager.list('s1')).toEqual([])
    expect(manager.attach('s1', '1', handle, {}, new Client()).created).toBe(true)
    expect(ptys).toHaveLength(2)
  })

  it('closeSession tells the clients, sends SIGHUP, then SIGKILL to a shell that ignores it', async () => {
    const { manager, ptys } = setup({ ignoreHup: true })
    const client = new Client()
    manager.attach('s1', '1', handle, {}, client)
    manager.attach('s2', '1', handle, {}, new Client())
    await manager.closeSession('s1', 'Session stopped.')
    expect(client.closedWith).toEqual([null, 'Session stopped.'])
    expect(ptys[0]!.calls).toEqual(['resume', 'SIGHUP', 'SIGKILL'])
    expect(manager.list('s1')).toEqual([])
    expect(manager.list('s2')).toEqual(['1'])
    await manager.closeSession('s1', 'again')
    await manager.closeAll()
    expect(manager.list('s2')).toEqual([])
  })

  it('starts no shell once closeAll was called: prestart does nothing, attach is unavailable', async () => {
    const { manager, ptys } = setup()
    manager.attach('s1', '1', handle, {}, new Client())
    const closing = manager.closeAll()
    // A sandbox whose start finishes during shutdown: its terminal must not start (its pty would keep the
    // process alive after everything else closed).
    manager.prestart('s2', '1', handle, {})
    expect(() => manager.attach('s3', '1', handle, {}, new Client())).toThrow(
      expect.objectContaining({ code: 'unavailable' }),
    )
    await closing
    expect(ptys).toHaveLength(1)
    expect(manager.list('s2')).toEqual([])
  })

  it('drives a real local shell (no sandbox): output, input, SIGHUP on close', async () => {
    const manager = new TerminalManager({
      backend: {
        exec: (_h, { env, pty }) =>
          spawn('/bin/sh', [], { ...pty, env: { PATH: '/usr/bin:/bin', PS1: '$ ', ...env }, encoding: null }),
      },
      killGraceMs: 300,
    })
    const client = new Client()
    const a = manager.attach('s1', '1', handle, { GREETING: 'hi' }, client)
    a.input('echo "$GREETING-$((2 * 21))"\r')
    await expect.poll(() => client.out).toContain('hi-42')
    a.input("trap '' HUP; echo trapped-$((1 + 1))\r")
    await expect.poll(() => client.out).toContain('trapped-2')
    const started = Date.now()
    await manager.closeSession('s1', 'bye')
    expect(Date.now() - started).toBeGreaterThanOrEqual(280)
    expect(client.closedWith).toEqual([null, 'bye'])
  })
})

describe('TerminalManager over the fake backend', () => {
  const spec = (session: string) => ({ session, workshop: 'w', env: {} })
  const ptysOf = (backend: FakeBackend, id: string) => [...backend.world.sandboxes.get(id)!.ptys]

  it("runs each terminal's shell in its own session's sandbox, with its env and size", async () => {
    const backend = new FakeBackend()
    const manager = new TerminalManager({ backend })
    const a = await backend.start(spec('s1'))
    const b = await backend.start(spec('s2'))
    const client = new Client()
    const t = manager.attach('s1', '1', a.handle, { SESSION_NAME: 's1' }, client, { cols: 90, rows: 20 })
    manager.attach('s2', '1', b.handle, { SESSION_NAME: 's2' }, new Client())
    const pa = ptysOf(backend, 'fake-1')[0]!
    const pb = ptysOf(backend, 'fake-2')[0]!
    expect([pa.env, pa.size, pa.argv]).toEqual([{ SESSION_NAME: 's1' }, { cols: 90, rows: 20 }, undefined])
    expect(pb.env).toEqual({ SESSION_NAME: 's2' })
    t.input('stty size\r')
    t.resize({ cols: 120, rows: 40 })
    expect(pa.written).toEqual(['stty size\r'])
    expect(pb.written).toEqual([])
    expect(pa.size).toEqual({ cols: 120, rows: 40 })
    await expect.poll(() => client.out).toContain('20 90\r\n$ ')
    await manager.closeAll()
  })

  it("ends a terminal whose sandbox goes, telling its clients how; another session's keeps running", async () => {
    const backend = new FakeBackend()
    const manager = new TerminalManager({ backend })
    const a = await backend.start(spec('s1'))
    const b = await backend.start(spec('s2'))
    const client = new Client()
    manager.attach('s1', '1', a.handle, {}, client)
    manager.attach('s2', '1', b.handle, {}, new Client())
    backend.kill(a.handle)
    await expect.poll(() => client.closedWith).toEqual([null, 'The shell killed by signal 9.'])
    expect(manager.list('s1')).toEqual([])
    expect(manager.list('s2')).toEqual(['1'])
    expect(() => manager.attach('s1', '1', a.handle, {}, new Client())).toThrow(
      expect.objectContaining({ code: 'unavailable' }),
    )
    await manager.closeAll()
    expect(ptysOf(backend, 'fake-2')).toEqual([])
  })

  describe('input its program does not read', () => {
    /** A pty whose program reads nothing until the test says so: input stays pending. */
    class HoldingPty extends RecordingPty {
      pending = 0
      #taken: Array<(pending: number) => void> = []
      override write(d: string) {
        super.write(d)
        this.pending += d.length
      }
      pendingInput() {
        return this.pending
      }
      onInputTaken(l: (pending: number) => void) {
        this.#taken.push(l)
      }
      discardInput() {
        const n = this.pending
        this.pending = 0
        return n
      }
      read(n: number) {
        this.pending -= n
        for (const l of this.#taken) l(this.pending)
      }
    }
    class FlowClient extends Client {
      flow: string[] = []
      pauseInput() {
        this.flow.push('pause')
      }
      resumeInput() {
        this.flow.push('resume')
      }
    }
    const holding = (inputStallMs: number) => {
      const ptys: HoldingPty[] = []
      const manager = new TerminalManager({
        backend: { exec: () => (ptys.push(new HoldingPty()), ptys.at(-1)!) },
        maxPendingInputBytes: 100,
        inputStallMs,
        killGraceMs: 20,
      })
      return { manager, ptys }
    }

    it('pauses its clients over the cap and resumes them at half of it, new clients too', () => {
      const { manager, ptys } = holding(60_000)
      const one = new FlowClient()
      const a = manager.attach('s1', '1', handle, {}, one)
      a.input('x'.repeat(100))
      expect(one.flow).toEqual([])
      a.input('y')
      expect(one.flow).toEqual(['pause'])
      const two = new FlowClient()
      manager.attach('s1', '1', handle, {}, two)
      expect(two.flow).toEqual(['pause'])
      ptys[0]!.read(40)
      expect(one.flow).toEqual(['pause'])
      ptys[0]!.read(20)
      expect(one.flow).toEqual(['pause', 'resume'])
      expect(two.flow).toEqual(['pause', 'resume'])
      void manager.closeAll()
    })

    it('drops input left unread for the stall time, tells the viewers and resumes them', async () => {
      const { manager, ptys } = holding(50)
      const client = new FlowClient()
      const a = manager.attach('s1', '1', handle, {}, client)
      a.input('z'.repeat(300))
      expect(client.flow).toEqual(['pause'])
      await new Promise((r) => setTimeout(r, 120))
      expect(ptys[0]!.pending).toBe(0)
      expect(client.flow).toEqual(['pause', 'resume'])
      expect(client.out).toMatch(/dropped 300 bytes of input/)
      void manager.closeAll()
    })

    it('restarts the stall time whenever the program reads some', async () => {
      const { manager, ptys } = holding(80)
      const client = new FlowClient()
      manager.attach('s1', '1', handle, {}, client).input('z'.repeat(50))
      for (let i = 0; i < 4; i++) {
        await new Promise((r) => setTimeout(r, 40))
        ptys[0]!.read(1)
      }
      expect(ptys[0]!.pending).toBe(46)
      await new Promise((r) => setTimeout(r, 150))
      expect(ptys[0]!.pending).toBe(0)
      void manager.closeAll()
    })

    it('drops pending input when the session closes', async () => {
      const { manager, ptys } = holding(60_000)
      manager.attach('s1', '1', handle, {}, new FlowClient()).input('q'.repeat(500))
      await manager.closeSession('s1', 'bye')
      expect(ptys[0]!.pending).toBe(0)
    })
  })
})
