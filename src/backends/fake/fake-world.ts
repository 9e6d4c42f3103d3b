import type { AddressInfo, Server } from 'node:net'
import type { SandboxSpec } from '../backend.js'
import type { FakePty } from './fake-pty.js'

/** One simulated sandbox. */
export interface FakeSandbox {
  id: string
  spec: SandboxSpec
  state: 'starting' | 'running' | 'gone'
  /** Why it is gone (`stopped`, `killed`, `crashed`, ...). */
  reason?: string
  /** The processes `exec` started in it that still run. */
  ptys: Set<FakePty>
  /** What listens on its ports: servers on this machine's loopback, by the sandbox port they stand for. */
  ports: Map<number, Server>
  /** The home from outside it was started with (`SandboxSpec.home`); none: a home of its own. */
  home?: SandboxSpec['home']
  /** The host directories it was started with (`SandboxSpec.mounts`), in order. */
  mounts: NonNullable<SandboxSpec['mounts']>
  /** Its main program (`SandboxSpec.command`), recorded only: nothing runs. */
  command?: string[]
}

/**
 * The in-memory "machine" fake backends run sandboxes on. Sandboxes live here, not in a backend instance,
 * so a new backend sharing the world sees the sandboxes of a previous one, as after a labgate restart.
 */
export class FakeWorld {
  readonly sandboxes = new Map<string, FakeSandbox>()
  /** Sessions whose files exist (created on start, deleted by `stop` with `purge`). */
  readonly homes = new Set<string>()
  /** Every `start` call that reached the world, and every `stop` that stopped a live sandbox. */
  starts = 0
  stops = 0
  #next = 0
  readonly #waiters = new Map<string, Array<() => void>>()

  /** Records a new sandbox in state `starting`. */
  add(spec: SandboxSpec): FakeSandbox {
    this.#next += 1
    const sandbox: FakeSandbox = {
      id: `fake-${this.#next}`,
      spec,
      state: 'starting',
      ptys: new Set(),
      ports: new Map(),
      ...(spec.home ? { home: spec.home } : {}),
      mounts: spec.mounts ?? [],
      ...(spec.command ? { command: spec.command } : {}),
    }
    this.sandboxes.set(sandbox.id, sandbox)
    this.homes.add(spec.session)
    this.starts += 1
    return sandbox
  }

  /**
   * Makes a sandbox gone (stopped, killed, crashed): its processes are killed, its servers closed, and
   * whoever waits on it is woken. Returns false when it was already gone or never existed.
   */
  markGone(id: string, reason: string): boolean {
    const sandbox = this.sandboxes.get(id)
    if (!sandbox || sandbox.state === 'gone') return false
    sandbox.state = 'gone'
    sandbox.reason = reason
    for (const pty of sandbox.ptys) pty.kill('SIGKILL')
    sandbox.ptys.clear()
    for (const server of sandbox.ports.values()) server.close()
    sandbox.ports.clear()
    for (const wake of this.#waiters.get(id) ?? []) wake()
    this.#waiters.delete(id)
    return true
  }

  /** Resolves when the sandbox becomes gone (at once if it already is). */
  whenGone(id: string): Promise<void> {
    const state = this.sandboxes.get(id)?.state
    if (state !== 'starting' && state !== 'running') return Promise.resolve()
    return new Promise((resolve) => {
      const list = this.#waiters.get(id) ?? []
      list.push(resolve)
      this.#waiters.set(id, list)
    })
  }

  /**
   * Makes `server` what listens on `port` inside the running sandbox of `session`: it is listened on a free
   * port of this machine's loopback (unless it listens already), the fake backend's `connect` dials it, and
   * it is closed when the sandbox goes. It does not keep the process alive. Throws when the session has no
   * running sandbox.
   */
  async listen(session: string, port: number, server: Server): Promise<void> {
    const sandbox = [...this.sandboxes.values()].find(
      (s) => s.spec.session === session && s.state === 'running',
    )
    if (!sandbox) throw new Error(`no running fake sandbox of ${session}`)
    if (!server.listening) {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(0, '127.0.0.1', () => {
          server.off('error', reject)
          resolve()
        })
      })
    }
    server.unref()
    sandbox.ports.get(port)?.close()
    sandbox.ports.set(port, server)
  }

  /** The loopback port of what listens on `port` in sandbox `id`, if anything does. */
  portOf(id: string, port: number): number | undefined {
    const server = this.sandboxes.get(id)?.ports.get(port)
    const address = server?.listening ? (server.address() as AddressInfo | null) : null
    return address?.port
  }

  nextId(): string {
    this.#next += 1
    return `fake-${this.#next}`
  }

  /** How many sandboxes are running now. */
  get running(): number {
    return [...this.sandboxes.values()].filter((s) => s.state === 'running').length
  }

  /** How many sandboxes exist and are not gone (starting or running). */
  get live(): number {
    return [...this.sandboxes.values()].filter((s) => s.state !== 'gone').length
  }
}
