import { fork, type ChildProcess } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LabgateError, type ErrorCode } from '../../../errors.js'
import type {
  ExitStatus,
  LaunchedProcess,
  ProcessLauncher,
  SandboxLaunch,
  TerminalLaunch,
} from './launcher.js'
import type { HelperReply, HelperRequest } from './protocol.js'

const HERE = fileURLToPath(import.meta.url)
/** From sources (tests, `tsx`) the helper is TypeScript too, and needs tsx's loader. */
const FROM_SOURCE = HERE.endsWith('.ts')
const HELPER = join(dirname(HERE), FROM_SOURCE ? 'helper-main.ts' : 'helper-main.js')

interface Pending {
  resolve: (launched: LaunchedProcess & { childPid?: number }) => void
  reject: (err: Error) => void
}

/** One helper process and what is waiting on it. */
interface Helper {
  child: ChildProcess
  pending: Map<number, Pending>
  exits: Map<number, (status: ExitStatus | null) => void>
}

/**
 * The {@link ProcessLauncher} labgate uses: a small helper process (`helper-main.ts`), forked once, does the
 * spawning, so labgate's event loop never waits for a fork. Requests and exit news travel over the IPC
 * channel as JSON. When the helper dies, requests in flight reject with `backend_failed`, exit promises
 * settle with null, and the next request starts a new helper. The helper exits when labgate does;
 * processes it started keep running.
 */
export class HelperLauncher implements ProcessLauncher {
  readonly #setsidPath: string | undefined
  #helper: Helper | null = null
  #nextId = 1

  constructor(opts: { setsidPath?: string } = {}) {
    this.#setsidPath = opts.setsidPath
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

  async close(): Promise<void> {
    const helper = this.#helper
    if (!helper) return
    this.#helper = null
    const { child } = helper
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    if (child.connected) child.disconnect()
    await Promise.race([gone, new Promise((r) => setTimeout(r, 2000).unref())])
  }

  #request(req: Omit<HelperRequest, 'id'>): Promise<LaunchedProcess & { childPid?: number }> {
    const helper = this.#current()
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      helper.pending.set(id, { resolve, reject })
      // Keep this process alive while an answer is due; the idle helper never holds labgate up.
      if (helper.pending.size === 1) helper.child.channel?.ref()
      helper.child.send({ ...req, id } as HelperRequest, (err) => {
        if (err)
          settle(helper, id)?.reject(new LabgateError('backend_failed', `launcher helper: ${err.message}`))
      })
    })
  }

  #current(): Helper {
    if (this.#helper) return this.#helper
    const child = fork(HELPER, [], {
      execArgv: [...(FROM_SOURCE ? ['--import', 'tsx'] : []), '--max-old-space-size=64'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, LABGATE_SETSID: this.#setsidPath ?? '' },
      serialization: 'json',
    })
    const helper: Helper = { child, pending: new Map(), exits: new Map() }
    child.on('message', (reply: HelperReply) => onReply(helper, reply))
    child.on('error', () => undefined)
    child.once('exit', (code, signal) => {
      if (this.#helper === helper) this.#helper = null
      onHelperExit(helper, signal ?? `code ${code}`)
    })
    child.unref()
    child.channel?.unref()
    this.#helper = helper
    return helper
  }
}

function settle(helper: Helper, id: number): Pending | undefined {
  const pending = helper.pending.get(id)
  helper.pending.delete(id)
  if (helper.pending.size === 0) helper.child.channel?.unref()
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
