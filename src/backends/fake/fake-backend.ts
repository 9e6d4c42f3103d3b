import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LabgateError } from '../../domain/errors.js'
import type {
  ExecOptions,
  SandboxEndpoint,
  SandboxHandle,
  SandboxInfo,
  SandboxSpec,
  SandboxStatus,
  SessionBackend,
} from '../backend.js'
import { FakePty } from './fake-pty.js'
import { FakeWorld, type FakeSandbox } from './fake-world.js'

/** A unix socket path nothing ever creates: dialing it fails at once, as a closed port does. */
const CLOSED = join(tmpdir(), 'labgate-fake-closed-ports')

/** The handle of a fake sandbox: plain JSON. */
export interface FakeHandle extends SandboxHandle {
  id: string
  session: string
}

export interface FakeBackendOptions {
  /** The simulated machine; share one between instances to simulate a labgate restart. Default: a new one. */
  world?: FakeWorld
  /** How long `start` takes (ms, default 0: resolves on the next tick). */
  startDelayMs?: number
  /** How long `stop` takes (ms, default 0). */
  stopDelayMs?: number
  /** The backend's name, also in its handles (default `fake`). */
  name?: string
}

/**
 * An in-memory backend that works: `start` resolves after `startDelayMs` with a running sandbox. Sandboxes
 * live in a {@link FakeWorld}; tests assert on `world.running` / {@link FakeBackend.liveCount} and make
 * sandboxes vanish with {@link FakeBackend.kill}. `exec` gives a {@link FakePty}; `connect` reaches the
 * servers a test put on a sandbox's ports with `world.listen`. Subclasses name failure modes.
 */
export class FakeBackend implements SessionBackend {
  readonly name: string
  readonly world: FakeWorld
  protected readonly startDelayMs: number
  readonly #stopDelayMs: number
  #closed = false
  readonly #pending = new Set<(err: Error) => void>()

  constructor(opts: FakeBackendOptions = {}) {
    this.name = opts.name ?? 'fake'
    this.world = opts.world ?? new FakeWorld()
    this.startDelayMs = opts.startDelayMs ?? 0
    this.#stopDelayMs = opts.stopDelayMs ?? 0
  }

  /** Sandboxes of this world that are starting or running. */
  get liveCount(): number {
    return this.world.live
  }

  /**
   * Resolves with a running sandbox after {@link whenReady}. Rejects with `backend_failed` when the backend
   * is closed, or when the sandbox is killed or the backend closed while it starts.
   */
  async start(spec: SandboxSpec): Promise<SandboxInfo> {
    if (this.#closed) throw new LabgateError('backend_failed', `${this.name} backend is closed`)
    const sandbox = this.world.add(spec)
    await new Promise<void>((resolve, reject) => {
      this.#pending.add(reject)
      const settle = (err?: Error) => {
        this.#pending.delete(reject)
        if (err) reject(err)
        else resolve()
      }
      this.whenReady(sandbox).then(() => settle(), settle)
      this.world
        .whenGone(sandbox.id)
        .then(() =>
          settle(
            new LabgateError('backend_failed', `sandbox ${sandbox.id} ${sandbox.reason} while starting`),
          ),
        )
    }).catch((err: Error) => {
      this.world.markGone(sandbox.id, 'failed')
      throw err
    })
    sandbox.state = 'running'
    this.afterStart(sandbox)
    const handle: FakeHandle = { backend: this.name, id: sandbox.id, session: spec.session }
    return { handle, warnings: [] }
  }

  /** `running` or `starting` for a live sandbox of this world; `gone` for anything else. Never throws. */
  async observe(handle: SandboxHandle): Promise<SandboxStatus> {
    const sandbox = this.#find(handle)
    if (!sandbox) return { state: 'gone', reason: 'no such sandbox' }
    if (sandbox.state === 'gone') return { state: 'gone', reason: sandbox.reason }
    return { state: sandbox.state }
  }

  /** Makes the sandbox gone after `stopDelayMs`. Idempotent. `purge` removes the session from `world.homes`. */
  async stop(handle: SandboxHandle, opts: { purge?: boolean } = {}): Promise<void> {
    if (this.#stopDelayMs > 0) await sleep(this.#stopDelayMs)
    const sandbox = this.#find(handle)
    if (sandbox && this.world.markGone(sandbox.id, 'stopped')) this.world.stops += 1
    if (opts.purge && typeof handle.session === 'string') this.world.homes.delete(handle.session)
  }

  /**
   * A {@link FakePty} in the running sandbox, ended when the sandbox goes. Throws `unavailable` when the
   * handle names no running sandbox of this backend.
   */
  exec(handle: SandboxHandle, opts: ExecOptions): FakePty {
    const sandbox = this.#running(handle)
    const pty = new FakePty(opts)
    sandbox.ptys.add(pty)
    pty.onExit(() => sandbox.ptys.delete(pty))
    return pty
  }

  /**
   * The loopback address of the server `world.listen` put on `port` of the running sandbox; for a port
   * nothing listens on, a unix socket path that does not exist (dialing it fails at once). Rejects with
   * `unavailable` when the handle names no running sandbox of this backend.
   */
  async connect(handle: SandboxHandle, port: number): Promise<SandboxEndpoint> {
    const sandbox = this.#running(handle)
    const local = this.world.portOf(sandbox.id, port)
    if (local !== undefined) return { host: '127.0.0.1', port: local }
    return { socketPath: join(CLOSED, sandbox.id, `${port}.sock`) }
  }

  /** Makes a live sandbox vanish, as if it crashed or was killed behind labgate's back. False if it was gone. */
  kill(handle: SandboxHandle, reason = 'killed'): boolean {
    const sandbox = this.#find(handle)
    return sandbox ? this.world.markGone(sandbox.id, reason) : false
  }

  /** Rejects starts still in flight with `backend_failed`. Sandboxes keep running. */
  async close(): Promise<void> {
    this.#closed = true
    for (const reject of [...this.#pending]) {
      reject(new LabgateError('backend_failed', `${this.name} backend closed while starting`))
    }
  }

  /** When a new sandbox becomes ready. Default: after `startDelayMs`. A rejection fails the start. */
  protected whenReady(_sandbox: FakeSandbox): Promise<void> {
    return this.startDelayMs > 0 ? sleep(this.startDelayMs) : Promise.resolve()
  }

  /** Called once a sandbox is running (failure modes schedule crashes here). */
  protected afterStart(_sandbox: FakeSandbox): void {}

  #running(handle: SandboxHandle): FakeSandbox {
    const sandbox = this.#find(handle)
    if (sandbox?.state !== 'running') throw new LabgateError('unavailable', 'the sandbox is not running')
    return sandbox
  }

  #find(handle: SandboxHandle): FakeSandbox | undefined {
    if (handle.backend !== this.name || typeof handle.id !== 'string') return undefined
    return this.world.sandboxes.get(handle.id)
  }
}

/** A promise that resolves after `ms` (an unref'd timer, so a pending fake never keeps the process alive). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    timer.unref?.()
  })
}
