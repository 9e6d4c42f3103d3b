import { LabgateError, type ErrorCode } from '../../../domain/errors.js'
import type { HelperChannel, HelperFactory } from './helper-channel.js'
import {
  cannotMountHomes,
  type DaemonLaunch,
  type ExitStatus,
  type HeldPty,
  type LaunchedProcess,
  type ProcessLauncher,
  type PtyLaunch,
  type SandboxLaunch,
  type TerminalLaunch,
} from './launcher.js'
import { nativeSpawner, spawnerAvailable } from './native-spawner.js'
import { nodeHelper } from './node-helper.js'
import type { HelperReply, HelperRequest, RelayReply, RelayRequest } from './protocol.js'
import { RelayedPty } from './relayed-pty.js'

interface Pending {
  resolve: (launched: LaunchedProcess & { childPid?: number }) => void
  reject: (err: Error) => void
}

/** One helper process and what is waiting on it. */
interface Helper {
  channel: HelperChannel
  pending: Map<number, Pending>
  exits: Map<number, (status: ExitStatus | null) => void>
  /** The terminals whose pty the helper holds, by id. */
  ptys: Map<number, RelayedPty>
}

/**
 * The {@link ProcessLauncher} labgate uses: a helper process, started once, does the spawning, so
 * labgate's event loop never waits for a fork. The helper is the native spawner (`spawner.c`) when it has
 * been built, else the Node helper (`helper-main.ts`). Only the native spawner holds ptys
 * ({@link ProcessLauncher.openPty}): with the Node helper, `openPty` is absent. When the helper dies,
 * requests in flight reject with `backend_failed`, exit promises settle with null, the terminals it held
 * close, and the next request starts a new helper. The helper exits when labgate does; processes it
 * started keep running, but the terminals it held are hung up.
 */
export class HelperLauncher implements ProcessLauncher {
  readonly #factory: HelperFactory
  /** Which helper this launcher runs: `native` or `node`. */
  readonly kind: 'native' | 'node'
  #helper: Helper | null = null
  #nextId = 1

  /** With the native spawner only: see {@link ProcessLauncher.mountsHomes}. */
  readonly mountsHomes: boolean
  /** With the native spawner only: see {@link ProcessLauncher.releasesBwrap}. */
  readonly releasesBwrap: boolean
  /** Present with the native spawner only: see {@link ProcessLauncher.openPty}. */
  readonly openPty?: (opts: PtyLaunch) => HeldPty

  constructor(opts: { helper?: 'native' | 'node' } = {}) {
    this.kind = opts.helper ?? (spawnerAvailable() ? 'native' : 'node')
    this.#factory = this.kind === 'native' ? nativeSpawner() : nodeHelper()
    this.mountsHomes = this.kind === 'native'
    this.releasesBwrap = this.kind === 'native'
    if (this.kind === 'native') this.openPty = (launch) => this.#openPty(launch)
  }

  /** Starts the helper now rather than on the first request (a fork of this process: do it at boot). */
  start(): void {
    this.#current()
  }

  async startSandbox(opts: SandboxLaunch): Promise<LaunchedProcess & { childPid: number }> {
    if ((opts.home || opts.devpts) && !this.mountsHomes) throw cannotMountHomes()
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
    return this.#await(helper, id, () => helper.channel.send({ ...req, id } as HelperRequest))
  }

  #openPty(opts: PtyLaunch): HeldPty {
    const helper = this.#current()
    const id = this.#nextId++
    const send = (req: RelayRequest) => helper.channel.relay?.(req)
    const pty = new RelayedPty(id, send, () => {
      helper.ptys.delete(id)
      hold(helper)
    })
    helper.ptys.set(id, pty)
    pty.started = this.#await(helper, id, () => send({ id, op: 'open', opts }))
    // A terminal that cannot start is closed: nothing will be said of it.
    pty.started.catch(() => pty.closed())
    return pty
  }

  /** Registers the request `id`, sends it, and settles with its reply. */
  #await(helper: Helper, id: number, send: () => void): Promise<LaunchedProcess & { childPid?: number }> {
    return new Promise((resolve, reject) => {
      helper.pending.set(id, { resolve, reject })
      hold(helper)
      // A helper that died meanwhile rejects this request when its exit is seen.
      send()
    })
  }

  #current(): Helper {
    if (this.#helper) return this.#helper
    // (Replies arrive only after this returns, so `helper` is set by then.)
    const helper: Helper = {
      channel: this.#factory((reply) => onReply(helper, reply)),
      pending: new Map(),
      exits: new Map(),
      ptys: new Map(),
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

/** Keeps this process alive while an answer is due or a terminal is open; an idle helper never does. */
function hold(helper: Helper): void {
  helper.channel.hold(helper.pending.size > 0 || helper.ptys.size > 0)
}

function settle(helper: Helper, id: number): Pending | undefined {
  const pending = helper.pending.get(id)
  helper.pending.delete(id)
  hold(helper)
  return pending
}

function onReply(helper: Helper, reply: HelperReply | RelayReply): void {
  if ('pty' in reply) {
    const pty = helper.ptys.get(reply.pty)
    if (!pty) return
    if ('output' in reply) pty.output(reply.output)
    else if ('taken' in reply) pty.taken(reply.taken)
    else pty.closed()
    return
  }
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
  for (const pty of [...helper.ptys.values()]) pty.closed()
}
