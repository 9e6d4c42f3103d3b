import { LabgateError, type ErrorCode } from '../../../domain/errors.js'
import type { HelperChannel, HelperFactory } from './helper-channel.js'
import type {
  DaemonLaunch,
  ExitStatus,
  LaunchedProcess,
  ProcessLauncher,
  SandboxLaunch,
  TerminalLaunch,
} from './launcher.js'
import { nativeSpawner, spawnerAvailable } from './native-spawner.js'
import { nodeHelper } from './node-helper.js'
import type { HelperReply, HelperRequest } from './protocol.js'

interface Pending {
  resolve: (launched: LaunchedProcess & { childPid?: number }) => void
  reject: (err: Error) => void
}

/** One helper process and what is waiting on it. */
interface Helper {
  channel: HelperChannel
  pending: Map<number, Pending>
  exits: Map<number, (status: ExitStatus | null) => void>
}

/**
 * The {@link ProcessLauncher} labgate uses: a helper process, started once, does the spawning, so
 * labgate's event loop never waits for a fork. The helper is the native spawner (`spawner.c`) when it has
 * been built, else the Node helper (`helper-main.ts`). When the helper dies, requests in flight reject
 * with `backend_failed`, exit promises settle with null, and the next request starts a new helper. The
 * helper exits when labgate does; processes it started keep running.
 */
export class HelperLauncher implements ProcessLauncher {
  readonly #factory: HelperFactory
  /** Which helper this launcher runs: `native` or `node`. */
  readonly kind: 'native' | 'node'
  #helper: Helper | null = null
  #nextId = 1

  constructor(opts: { helper?: 'native' | 'node' } = {}) {
    this.kind = opts.helper ?? (spawnerAvailable() ? 'native' : 'node')
    this.#factory = this.kind === 'native' ? nativeSpawner() : nodeHelper()
  }

  /** Starts the helper now rather than on the first request (a fork of this process: do it at boot). */
  start(): void {
    this.#current()
  }

  async startSandbox(opts: SandboxLaunch): Promise<LaunchedProcess & { childPid: number }> {
    const { pid, childPid, exit } = await this.#request({ op: 'sandbox', opts })
    return { pid, childPid: childPid as number, exit }
  }

  spawnOnTerminal(opts: TerminalLaunch): Promise<LaunchedProcess> {
    return this.#request({ op: 'terminal', opts })
  }

  spawnDaemon(opts: DaemonLaunch): Promise<LaunchedProcess> {
    return this.#request({ op: 'daemon', opts })
  }

  async close(): Promise<void> {
    const helper = this.#helper
    if (!helper) return
    this.#helper = null
    const { child } = helper.channel
    if (child.exitCode !== null || child.signalCode !== null) return
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    helper.channel.close()
    // (A ref'd timer: the caller's shutdown goes on once the helper is gone, or after 2 s at most.)
    let timer: NodeJS.Timeout | undefined
    await Promise.race([gone, new Promise((r) => (timer = setTimeout(r, 2000)))])
    clearTimeout(timer)
  }

  #request(req: Omit<HelperRequest, 'id'>): Promise<LaunchedProcess & { childPid?: number }> {
    const helper = this.#current()
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      helper.pending.set(id, { resolve, reject })
      // Keep this process alive while an answer is due; the idle helper never holds labgate up.
      if (helper.pending.size === 1) helper.channel.hold(true)
      // A helper that died meanwhile rejects this request when its exit is seen.
      helper.channel.send({ ...req, id } as HelperRequest)
    })
  }

  #current(): Helper {
    if (this.#helper) return this.#helper
    // (Replies arrive only after this returns, so `helper` is set by then.)
    const helper: Helper = {
      channel: this.#factory((reply) => onReply(helper, reply)),
      pending: new Map(),
      exits: new Map(),
    }
    const { channel } = helper
    channel.child.on('error', () => undefined)
    channel.child.once('exit', (code, signal) => {
      if (this.#helper === helper) this.#helper = null
      onHelperExit(helper, signal ?? `code ${code}`)
    })
    this.#helper = helper
    return helper
  }
}

function settle(helper: Helper, id: number): Pending | undefined {
  const pending = helper.pending.get(id)
  helper.pending.delete(id)
  if (helper.pending.size === 0) helper.channel.hold(false)
  return pending
}

function onReply(helper: Helper, reply: HelperReply): void {
  if ('exited' in reply) {
    helper.exits.get(reply.exited)?.(reply.status)
    helper.exits.delete(reply.exited)
    return
  }
  const pending = settle(helper, reply.id)
  if (reply.ok) {
    // The helper sends a process's exit only after the reply that names it: wait for it from now on.
    const exit = new Promise<ExitStatus | null>((resolve) => helper.exits.set(reply.pid, resolve))
    pending?.resolve({ pid: reply.pid, childPid: reply.childPid, exit })
  } else pending?.reject(new LabgateError(reply.code as ErrorCode, reply.message))
}

function onHelperExit(helper: Helper, how: string): void {
  for (const id of [...helper.pending.keys()]) {
    settle(helper, id)?.reject(new LabgateError('backend_failed', `the launcher helper exited (${how})`))
  }
  for (const resolve of helper.exits.values()) resolve(null)
  helper.exits.clear()
}
