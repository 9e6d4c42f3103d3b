import { readFile, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { LabgateError } from '../../domain/errors.js'
import type {
  ExecOptions,
  PtyLike,
  SandboxEndpoint,
  SandboxHandle,
  SandboxInfo,
  SandboxSpec,
  SandboxStatus,
  SessionBackend,
  SlurmPlacement,
} from '../backend.js'
import type { AgentCredentials } from '../agent/agent-credentials.js'
import type { AgentHub } from '../agent/agent-hub.js'
import type { AgentLink } from '../agent/agent-link.js'
import { PortTunnels } from '../agent/port-tunnels.js'
import { batchScript } from './batch-script.js'
import { parseSlurmHandle, slurmJobMark, slurmJobName, type SlurmHandle } from './handle.js'
import { JobBoard } from './job-board.js'
import { hasEnded, sandboxStatus } from './job-states.js'
import type { SlurmApi, SlurmJob } from './slurm-api.js'

/** The environment of every sandbox job besides the agent's own settings. */
const JOB_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

export interface SlurmBackendOptions {
  slurm: SlurmApi
  /** Where agents connect (served on labgate's HTTP server). */
  hub: AgentHub
  credentials: AgentCredentials
  /** The portal's name: marks its jobs (their comment), which its sweep looks for. */
  portal: string
  /**
   * The URL agents dial, as a compute node reaches labgate (`ws://host:port/_labgate/agent/v1`); a function
   * when it is known only once labgate listens.
   */
  agentUrl: string | (() => string)
  /**
   * How a job starts the agent on the compute node: the absolute program and its arguments (labgate's own
   * Node.js and `bin/labgate-agent.js`, on a file system the nodes share).
   */
  agentCommand: string[]
  /** A directory every compute node has (shared): the jobs' working directory, output and sandbox files. */
  workDir: string
  /** Where labgate keeps the unix sockets that lead to sandboxes' ports (its own machine). */
  runDir: string
  /** Placement of a spec that brings none (the portal's defaults). */
  defaults?: Omit<SlurmPlacement, 'backend'>
  log: (m: string) => void
  /** How long a start may wait for its job to run and its agent to connect, ms (default 5 minutes). */
  startTimeoutMs?: number
  /** How long `stop` waits for the job to end, ms (default 30 s). */
  stopTimeoutMs?: number
  /** How often job states are polled while waiting, ms (default 200). */
  pollMs?: number
}

/**
 * Sandboxes as Slurm batch jobs (see `README.md` beside this folder). Each job runs the labgate agent,
 * which starts the same bubblewrap sandbox as the local backend on its compute node and dials labgate's
 * {@link AgentHub}; `exec` and `connect` go over that connection, so labgate never dials a node. The
 * handle keeps the job id; `observe` reads the job's state from slurmrestd (one list per second for every
 * caller), `stop` asks the agent to stop and cancels the job, `sweep` cancels the portal's jobs that no
 * handle names.
 */
export class SlurmBackend implements SessionBackend {
  readonly name = 'slurm'
  readonly #o: SlurmBackendOptions
  readonly #board: JobBoard
  readonly #tunnels: PortTunnels

  constructor(o: SlurmBackendOptions) {
    this.#o = o
    this.#board = new JobBoard(o.slurm)
    this.#tunnels = new PortTunnels(o.runDir)
  }

  /**
   * Issues the agent's token, submits the job and waits until it runs, its agent connected and started the
   * sandbox. Rejects with `backend_failed` (Slurm's refusal, the job's end with the last lines of its
   * output, or a timeout), after cancelling the job and revoking the token.
   */
  async start(spec: SandboxSpec): Promise<SandboxInfo> {
    const placement = { ...this.#o.defaults, ...spec.placement }
    const minutes = placement.timeLimitMinutes
    // The token outlives the job's time limit a little (a job may end late); no limit: until revoked.
    const lifetime = minutes ? minutes * 60 + 3600 : null
    const { token, grant } = await this.#o.credentials.issue(spec.session, lifetime)
    const output = this.#output(spec.session)
    let job: number
    try {
      job = await this.#o.slurm.submit({
        name: slurmJobName(spec.session),
        comment: slurmJobMark(this.#o.portal),
        script: batchScript({ agentCommand: this.#o.agentCommand }),
        workDir: this.#o.workDir,
        output,
        environment: {
          PATH: JOB_PATH,
          LABGATE_AGENT_URL: this.#agentUrl(),
          LABGATE_AGENT_TOKEN: token,
          LABGATE_AGENT_SESSION: spec.session,
          LABGATE_AGENT_DATA: join(this.#o.workDir, 'sandboxes'),
        },
        ...(placement.partition && { partition: placement.partition }),
        ...(placement.account && { account: placement.account }),
        ...(minutes && { timeLimitMinutes: minutes }),
        ...(placement.cpusPerTask && { cpusPerTask: placement.cpusPerTask }),
        ...(placement.memoryPerNodeMb && { memoryPerNodeMb: placement.memoryPerNodeMb }),
      })
    } catch (err) {
      await this.#o.credentials.revoke(grant).catch(() => undefined)
      throw err
    }
    const handle: SlurmHandle = { backend: 'slurm', job, session: spec.session, grant }
    try {
      const link = await this.#agentOf(handle, output)
      const warnings = await link.start(spec)
      return { handle, warnings }
    } catch (err) {
      await this.#end(handle).catch((e: unknown) => this.#o.log(`slurm: job ${job}: ${String(e)}`))
      if (err instanceof LabgateError && err.code === 'backend_failed') throw err
      throw new LabgateError('backend_failed', `Slurm job ${job}: ${(err as Error).message}`)
    }
  }

  async observe(handle: SandboxHandle): Promise<SandboxStatus> {
    const h = parseSlurmHandle(handle)
    if (!h) return { state: 'gone', reason: 'not a Slurm sandbox' }
    let job: SlurmJob | null
    try {
      job = await this.#board.get(h.job)
    } catch (err) {
      // slurmrestd unreachable says nothing about the job: still running as far as labgate knows
      this.#o.log(`slurm: observing job ${h.job}: ${(err as Error).message}`)
      return { state: 'running' }
    }
    return sandboxStatus(job, h.job, this.#o.hub.link(h.session)?.goneReason ?? null)
  }

  /** The job of `handle` as Slurm reports it (for a workspace job's `time_left`), or null. */
  async job(handle: SandboxHandle): Promise<SlurmJob | null> {
    const h = parseSlurmHandle(handle)
    return h ? this.#board.get(h.job) : null
  }

  /**
   * Stops the sandbox and ends its job. A sandbox's files live as long as its job (nothing could delete
   * them on the node later), so they go in any case; `purge` also deletes the job's output.
   */
  async stop(handle: SandboxHandle, opts: { purge?: boolean } = {}): Promise<void> {
    const h = parseSlurmHandle(handle)
    if (!h) return
    const link = this.#o.hub.link(h.session)
    if (link) await withTimeout(link.stop(true), 15_000)
    await this.#end(h)
    if (opts.purge) await rm(this.#output(h.session), { force: true })
  }

  exec(handle: SandboxHandle, opts: ExecOptions): PtyLike {
    return this.#linkOf(handle).exec(opts)
  }

  async connect(handle: SandboxHandle, port: number): Promise<SandboxEndpoint> {
    const h = parseSlurmHandle(handle)
    const link = this.#linkOf(handle)
    const socketPath = await this.#tunnels.socketFor(h!.session, port, () => {
      // each connection goes through the agent connected then (it may have reconnected meanwhile)
      const now = this.#o.hub.link(h!.session) ?? link
      return now.dial(port)
    })
    return { socketPath }
  }

  /**
   * Cancels the portal's jobs (marked by their comment) that are not over and that no handle in `known`
   * names, then deletes the output of every job in the work directory whose session is not in `sessions`
   * (a start that failed keeps its output, to read why, until then).
   */
  async sweep(known: SandboxHandle[], sessions: string[]): Promise<number> {
    const keep = new Set(known.flatMap((k) => parseSlurmHandle(k)?.job ?? []))
    const mark = slurmJobMark(this.#o.portal)
    const jobs = await this.#o.slurm.jobs()
    const strays = jobs.filter((j) => j.comment === mark && !hasEnded(j) && !keep.has(j.jobId))
    for (const j of strays) {
      this.#o.log(`slurm: cancelling job ${j.jobId} (${j.name}): no session or job of labgate's names it`)
      await this.#o.slurm.cancel(j.jobId)
    }
    const visible = new Set(sessions)
    const outputs = await readdir(this.#o.workDir).catch(() => [] as string[])
    for (const file of outputs) {
      const session = file.endsWith('.out') ? file.slice(0, -4) : null
      // only this portal's sessions (`<portal>-…`): a shared directory may hold other portals' too
      if (session?.startsWith(`${this.#o.portal}-`) && !visible.has(session))
        await rm(join(this.#o.workDir, file), { force: true })
    }
    return strays.length
  }

  async close(): Promise<void> {
    this.#tunnels.close()
  }

  /** Where the job of `session` writes its output (the agent's log). */
  #output(session: string): string {
    return join(this.#o.workDir, `${session}.out`)
  }

  #agentUrl(): string {
    return typeof this.#o.agentUrl === 'function' ? this.#o.agentUrl() : this.#o.agentUrl
  }

  #linkOf(handle: SandboxHandle): AgentLink {
    const h = parseSlurmHandle(handle)
    const link = h ? this.#o.hub.link(h.session) : undefined
    if (!h || !link || link.goneReason !== null)
      throw new LabgateError('unavailable', 'the sandbox is not running (or its agent is not connected)')
    return link
  }

  /** Waits for the job's agent; rejects as soon as the job ends (saying why) or the start times out. */
  async #agentOf(h: SlurmHandle, output: string): Promise<AgentLink> {
    const abort = new AbortController()
    const timeoutMs = this.#o.startTimeoutMs ?? 5 * 60_000
    const connected = this.#o.hub.waitFor(h.session, timeoutMs, abort.signal)
    const watch = (async (): Promise<never> => {
      for (;;) {
        await sleep(this.#o.pollMs ?? 200)
        if (abort.signal.aborted) throw new Error('aborted')
        const job = await this.#board.fresh(h.job).catch(() => undefined)
        if (job === undefined || !hasEnded(job)) continue
        const status = sandboxStatus(job, h.job, null)
        const tail = await lastLines(output, 5)
        throw new LabgateError(
          'backend_failed',
          `Slurm job ${h.job} ended before its agent connected: ${status.state === 'gone' ? status.reason : ''}${tail ? `; its output ends: ${tail}` : ''}`,
        )
      }
    })()
    try {
      return await Promise.race([connected, watch])
    } catch (err) {
      if (err instanceof LabgateError && err.code === 'unavailable') {
        throw new LabgateError(
          'backend_failed',
          `Slurm job ${h.job} did not run with its agent connected within ${Math.round(timeoutMs / 1000)} s (pending in the queue, or the agent cannot reach ${this.#agentUrl()})`,
        )
      }
      throw err
    } finally {
      abort.abort()
      connected.catch(() => undefined)
      watch.catch(() => undefined)
    }
  }

  /** Cancels the job, waits until it ended, revokes the agent's token and closes its tunnels. */
  async #end(h: SlurmHandle): Promise<void> {
    this.#tunnels.closeSession(h.session)
    await this.#o.slurm.cancel(h.job)
    const until = Date.now() + (this.#o.stopTimeoutMs ?? 30_000)
    for (;;) {
      const job = await this.#board.fresh(h.job)
      if (hasEnded(job) && job?.state !== 'COMPLETING') break
      if (Date.now() > until) {
        this.#o.log(`slurm: job ${h.job} is still ${job?.state} after it was cancelled`)
        break
      }
      await sleep(this.#o.pollMs ?? 200)
    }
    await this.#o.credentials.revoke(h.grant)
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function withTimeout(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, ms)))])
  clearTimeout(timer)
}

/** The last `n` non-empty lines of a file, joined by ' | ', or '' when it cannot be read here. */
async function lastLines(path: string, n: number): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '')
  return text
    .split('\n')
    .filter((l) => l.trim())
    .slice(-n)
    .join(' | ')
    .slice(-1000)
}
