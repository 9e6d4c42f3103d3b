import { randomBytes } from 'node:crypto'
import { connect as dialNet } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type {
  PtyLike,
  SandboxEndpoint,
  SandboxHandle,
  SandboxSpec,
  SessionBackend,
} from '../../src/backends/backend.js'

/**
 * A Python program for `serve`: listens on 127.0.0.1:<argv[1]> and greets every connection with
 * `hello <port>` (run it as `python3 -c GREETER <port>` inside the sandbox).
 */
export const GREETER = `
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', int(sys.argv[1])))
s.listen(16)
while True:
    c, _ = s.accept()
    c.sendall(('hello %s\\n' % sys.argv[1]).encode())
    c.close()
`

/** What `make` returns: a fresh backend, and how to clean up after it (temporary files, worlds). */
export interface BackendFixture {
  backend: SessionBackend
  cleanup: () => Promise<void>
}

export interface BackendSuiteOptions<F extends BackendFixture> {
  /** Shown in the suite's title. */
  name: string
  /** A fresh backend (and its surroundings) for one test. */
  make: () => Promise<F>
  /**
   * A new backend instance over the same surroundings as `fixture` (same world, same data directory), as
   * labgate gets after a restart. Without it, the re-attach tests are skipped.
   */
  remake?: (fixture: F) => Promise<SessionBackend>
  /**
   * Starts, inside the running sandbox of `handle`, a TCP server on `port` of its loopback that answers
   * every connection with the line `hello <port>` and closes it. It may resolve before the server listens.
   * Without it, the test that `connect` reaches a server is skipped.
   */
  serve?: (fixture: F, handle: SandboxHandle, port: number) => Promise<void>
  /** How many sandboxes the concurrency test starts at once (default 20). */
  concurrency?: number
  /** Skip the whole suite (e.g. the machine lacks what the backend needs); say why in `name`. */
  skip?: boolean
}

/**
 * The conformance suite every `SessionBackend` passes (Hono's `runTest({ newRouter })` pattern): start,
 * observe, stop, idempotence, made-up handles, re-attach after a restart, concurrent starts; and, for a
 * backend that implements them, `exec` (input and output through the pty, resize, kill and exit, a gone
 * sandbox) and `connect` (a listening port, a closed one, a gone sandbox). Every sandbox a test starts is
 * stopped after it, even when it fails.
 */
export function runBackendSuite<F extends BackendFixture>(opts: BackendSuiteOptions<F>): void {
  describe.skipIf(opts.skip)(`SessionBackend conformance: ${opts.name}`, () => {
    let fixture: F | undefined
    const started: Array<{ backend: SessionBackend; handle: SandboxHandle }> = []
    const prefix = `conf${randomBytes(3).toString('hex')}-w01`
    let counter = 0
    const spec = (overrides: Partial<SandboxSpec> = {}): SandboxSpec => ({
      session: `${prefix}-s${String(++counter).padStart(3, '0')}`,
      workshop: 'conformance',
      env: { GREETING: 'hello' },
      ...overrides,
    })

    const setup = async () => {
      fixture = await opts.make()
      return fixture
    }
    const start = async (backend: SessionBackend, overrides?: Partial<SandboxSpec>) => {
      const info = await backend.start(spec(overrides))
      started.push({ backend, handle: info.handle })
      return info
    }

    afterEach(async () => {
      const leftovers = started.splice(0)
      await Promise.allSettled(leftovers.map(({ backend, handle }) => backend.stop(handle, { purge: true })))
      await fixture?.backend.close?.()
      await fixture?.cleanup()
      fixture = undefined
    })

    it('starts a sandbox that observes as running', async () => {
      const { backend } = await setup()
      const info = await start(backend)
      expect(info.handle.backend).toBe(backend.name)
      expect(Array.isArray(info.warnings)).toBe(true)
      expect(await backend.observe(info.handle)).toEqual({ state: 'running' })
    })

    it('returns a handle that survives a JSON round trip', async () => {
      const { backend } = await setup()
      const { handle } = await start(backend)
      const copy = JSON.parse(JSON.stringify(handle)) as SandboxHandle
      expect(copy).toEqual(handle)
      expect(await backend.observe(copy)).toEqual({ state: 'running' })
      await backend.stop(copy)
      expect((await backend.observe(handle)).state).toBe('gone')
    })

    it('stops a sandbox: it is gone afterwards', async () => {
      const { backend } = await setup()
      const { handle } = await start(backend)
      await backend.stop(handle)
      expect((await backend.observe(handle)).state).toBe('gone')
    })

    it('stop is idempotent, with and without purge', async () => {
      const { backend } = await setup()
      const { handle } = await start(backend)
      await backend.stop(handle)
      await expect(backend.stop(handle)).resolves.toBeUndefined()
      await expect(backend.stop(handle, { purge: true })).resolves.toBeUndefined()
      await expect(backend.stop(handle, { purge: true })).resolves.toBeUndefined()
      expect((await backend.observe(handle)).state).toBe('gone')
    })

    it('starts with no mounts and a main command; stop is idempotent', async () => {
      const { backend } = await setup()
      const { handle } = await start(backend, { mounts: [], command: ['sleep', '30'] })
      expect(await backend.observe(handle)).toEqual({ state: 'running' })
      await backend.stop(handle)
      await expect(backend.stop(handle, { purge: true })).resolves.toBeUndefined()
      expect((await backend.observe(handle)).state).toBe('gone')
    })

    it('observes made-up and malformed handles as gone, and stopping them resolves', async () => {
      const { backend } = await setup()
      const madeUp: SandboxHandle[] = [
        { backend: backend.name },
        { backend: backend.name, id: 'no-such-sandbox', session: 'nope-w01-s001' },
        { backend: backend.name, pid: 'x', childPid: -1, startTime: null, session: '../..' },
        { backend: backend.name, pid: 2 ** 31, childPid: 2 ** 31, startTime: 1, pidStartTime: 1 },
        { backend: 'some-other-backend', id: 'x' },
      ]
      for (const handle of madeUp) {
        expect((await backend.observe(handle)).state).toBe('gone')
        await expect(backend.stop(handle)).resolves.toBeUndefined()
      }
    })

    it('keeps other sandboxes running when one is stopped', async () => {
      const { backend } = await setup()
      const a = await start(backend)
      const b = await start(backend)
      await backend.stop(a.handle, { purge: true })
      expect((await backend.observe(a.handle)).state).toBe('gone')
      expect(await backend.observe(b.handle)).toEqual({ state: 'running' })
    })

    it('accepts limits and the host network, reporting what it cannot apply as warnings', async () => {
      const { backend } = await setup()
      const info = await start(backend, {
        network: 'host',
        limits: { memoryBytes: 256 * 2 ** 20, pids: 100 },
      })
      expect(info.warnings.every((w) => typeof w === 'string')).toBe(true)
      expect(await backend.observe(info.handle)).toEqual({ state: 'running' })
    })

    it(`starts ${opts.concurrency ?? 20} sandboxes concurrently, all come up and all stop`, async () => {
      const { backend } = await setup()
      const n = opts.concurrency ?? 20
      const infos = await Promise.all(Array.from({ length: n }, () => start(backend)))
      const handles = infos.map((i) => i.handle)
      expect(new Set(handles.map((h) => JSON.stringify(h))).size).toBe(n)
      const states = await Promise.all(handles.map((h) => backend.observe(h)))
      expect(states.every((s) => s.state === 'running')).toBe(true)
      await Promise.all(handles.map((h) => backend.stop(h, { purge: true })))
      const after = await Promise.all(handles.map((h) => backend.observe(h)))
      expect(after.every((s) => s.state === 'gone')).toBe(true)
    })

    describe('exec', () => {
      const size = { cols: 100, rows: 30 }
      /** A fixture whose backend implements exec, or null (the test then skips). */
      const setupExec = async () => {
        const f = await setup()
        return f.backend.exec ? { ...f, exec: f.backend.exec.bind(f.backend) } : null
      }

      it('runs a process on a pty: what is written reaches it and its output comes back', async (t) => {
        const f = await setupExec()
        if (!f) return t.skip()
        const { handle } = await start(f.backend)
        const pty = watch(f.exec(handle, { env: { GREETING: 'hi' }, pty: size }))
        pty.write('echo conformance-marker\r')
        await pty.waitFor(/conformance-marker/)
        pty.kill('SIGKILL')
        await pty.exited
      })

      it('starts at the size asked for and applies resizes', async (t) => {
        const f = await setupExec()
        if (!f) return t.skip()
        const { handle } = await start(f.backend)
        const pty = watch(f.exec(handle, { env: {}, pty: size }))
        let from = pty.output().length
        pty.write('stty size\r')
        expect((await pty.waitFor(/(\d+) (\d+)\r\n/, from)).slice(1)).toEqual(['30', '100'])
        pty.resize(123, 45)
        from = pty.output().length
        pty.write('stty size\r')
        expect((await pty.waitFor(/(\d+) (\d+)\r\n/, from)).slice(1)).toEqual(['45', '123'])
        pty.kill('SIGKILL')
        await pty.exited
      })

      it('kill ends the process, which reports its exit once; a dead pty ignores input', async (t) => {
        const f = await setupExec()
        if (!f) return t.skip()
        const { handle } = await start(f.backend)
        const pty = watch(f.exec(handle, { env: {}, pty: size }))
        pty.kill('SIGHUP')
        const exit = await pty.exited
        expect(typeof exit.exitCode).toBe('number')
        pty.write('ignored\r')
        pty.resize(10, 10)
        pty.kill('SIGKILL')
        await new Promise((r) => setTimeout(r, 50))
        expect(pty.exits()).toBe(1)
      })

      it('stopping the sandbox ends its processes', async (t) => {
        const f = await setupExec()
        if (!f) return t.skip()
        const { handle } = await start(f.backend)
        const pty = watch(f.exec(handle, { env: {}, pty: size }))
        pty.write('echo up\r')
        await pty.waitFor(/up/)
        await f.backend.stop(handle)
        await pty.exited
      })

      it('throws unavailable for a gone sandbox and for made-up handles', async (t) => {
        const f = await setupExec()
        if (!f) return t.skip()
        const { handle } = await start(f.backend)
        await f.backend.stop(handle)
        const unavailable = expect.objectContaining({ code: 'unavailable' })
        expect(() => f.exec(handle, { env: {}, pty: size })).toThrow(unavailable)
        for (const made of [{ backend: f.backend.name }, { backend: 'some-other-backend', id: 'x' }]) {
          expect(() => f.exec(made, { env: {}, pty: size })).toThrow(unavailable)
        }
      })
    })

    describe('connect', () => {
      const setupConnect = async () => {
        const f = await setup()
        return f.backend.connect ? { ...f, connect: f.backend.connect.bind(f.backend) } : null
      }

      it.skipIf(!opts.serve)('reaches what listens on a port inside the sandbox', async () => {
        const f = await setupConnect()
        if (!f) return
        const { handle } = await start(f.backend)
        await opts.serve!(f, handle, 8000)
        await until(
          async () => (await dial(await f.connect(handle, 8000)).catch(() => '')) === 'hello 8000\n',
        )
        // Again: a second connection to the same port.
        expect(await dial(await f.connect(handle, 8000))).toBe('hello 8000\n')
      })

      it('fails as a closed port does where nothing listens, whatever listens in another sandbox', async (t) => {
        const f = await setupConnect()
        if (!f) return t.skip()
        const a = await start(f.backend)
        const b = await start(f.backend)
        if (opts.serve) {
          await opts.serve(f, a.handle, 8000)
          await until(async () => (await dial(await f.connect(a.handle, 8000)).catch(() => '')) !== '')
        }
        expect(await dial(await f.connect(b.handle, 8000)).catch(() => '')).toBe('')
        expect(await dial(await f.connect(a.handle, 8001)).catch(() => '')).toBe('')
      })

      it('rejects with unavailable for a gone sandbox and for made-up handles', async (t) => {
        const f = await setupConnect()
        if (!f) return t.skip()
        const { handle } = await start(f.backend)
        await f.connect(handle, 8000)
        await f.backend.stop(handle)
        await expect(f.connect(handle, 8000)).rejects.toMatchObject({ code: 'unavailable' })
        for (const made of [{ backend: f.backend.name }, { backend: 'some-other-backend', id: 'x' }]) {
          await expect(f.connect(made, 8000)).rejects.toMatchObject({ code: 'unavailable' })
        }
      })
    })

    describe.skipIf(!opts.remake)('after a restart (a fresh backend instance)', () => {
      it('re-attaches: observes and stops sandboxes the previous instance started', async () => {
        const first = await setup()
        const { handle } = await start(first.backend)
        await first.backend.close?.()
        const second = await opts.remake!(first)
        const stored = JSON.parse(JSON.stringify(handle)) as SandboxHandle
        expect(await second.observe(stored)).toEqual({ state: 'running' })
        await second.stop(stored)
        expect((await second.observe(stored)).state).toBe('gone')
        expect((await first.backend.observe(stored)).state).toBe('gone')
        await second.close?.()
      })

      it('sees sandboxes that died while it was away as gone', async () => {
        const first = await setup()
        const { handle } = await start(first.backend)
        await first.backend.stop(handle)
        await first.backend.close?.()
        const second = await opts.remake!(first)
        expect((await second.observe(handle)).state).toBe('gone')
        await expect(second.stop(handle, { purge: true })).resolves.toBeUndefined()
        await second.close?.()
      })
    })
  })
}

/** A pty under test: its output so far, and a promise of its exit. */
function watch(pty: PtyLike) {
  let out = ''
  let exits = 0
  const waiters = new Set<() => void>()
  pty.onData((d) => {
    out += d.toString()
    for (const w of waiters) w()
  })
  const exited = new Promise<{ exitCode: number; signal?: number }>((resolve) =>
    pty.onExit((e) => {
      exits += 1
      resolve(e)
    }),
  )
  return {
    write: (d: string) => pty.write(d),
    resize: (c: number, r: number) => pty.resize(c, r),
    kill: (s: string) => pty.kill(s),
    output: () => out,
    exits: () => exits,
    exited: withTimeout(exited, 10_000, 'the process to exit'),
    /** Resolves with the first match of `pattern` in the output after `from`. */
    waitFor: (pattern: RegExp, from = 0) =>
      withTimeout(
        new Promise<RegExpMatchArray>((resolve) => {
          const check = () => {
            const m = out.slice(from).match(pattern)
            if (!m) return
            waiters.delete(check)
            resolve(m)
          }
          waiters.add(check)
          check()
        }),
        10_000,
        `${pattern} in ${JSON.stringify(out.slice(from, from + 2000))}`,
      ),
  }
}

/** Dials `endpoint` and resolves with everything it sent before closing; rejects when it cannot connect. */
function dial(endpoint: SandboxEndpoint): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket =
      'socketPath' in endpoint ? dialNet(endpoint.socketPath) : dialNet(endpoint.port, endpoint.host)
    let data = ''
    socket.setEncoding('utf8')
    socket.setTimeout(5000, () => socket.destroy())
    socket.on('data', (d: string) => (data += d))
    socket.on('error', reject)
    socket.on('close', () => resolve(data))
  })
}

/** Resolves once `check` does, polling; rejects after 10 s. */
async function until(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 50))
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)
  })
  void promise.finally(() => clearTimeout(timer)).catch(() => undefined)
  return Promise.race([promise, timeout])
}
