import { ownsHandle } from '../../../backends/backend.js'
import { LIVE_JOB_STATUSES, jobDeadline } from '../../../domain/workspaces.js'
import type { JobRecord } from '../../../store/workspace-records.js'
import type { JobDeps } from './deps.js'
import { endJob } from './end-job.js'
import { readExitStatus } from './job-files.js'
import type { JobListener } from './job-changes.js'
import { JOB_MESSAGES, connectionDetails, readinessRequestPath, typeUrlPath } from './job-web.js'
import { webServerAnswers } from './readiness.js'
import { jobToken } from './start-job.js'

export interface JobRunnerOptions {
  /** Time between passes over the live jobs, ms (default 2000). */
  intervalMs?: number
  /** How long one readiness GET may take, ms (default 2000). */
  probeTimeoutMs?: number
  /**
   * While a job's web UI is starting, it is probed first after this many ms, then at intervals growing by
   * half up to `intervalMs` (default 50), so "Webserver ready." follows the server by a fraction of its
   * start time rather than by up to a whole pass.
   */
  firstProbeMs?: number
}

/** The messages a job ends with, besides the stop's. */
export const END_MESSAGES = {
  exited: 'The job ended.',
  failed: (status: number) => `The job ended with exit status ${status}.`,
  vanished: "The job's sandbox is gone.",
  ended: (reason?: string) => `The job's sandbox is gone: ${reason ?? 'it ended'}.`,
  timeLimit: 'The job reached its time limit.',
  stopped: 'Job stopped.',
  orphan: 'labgate stopped before the job started.',
  otherBackend: (backend: string) => `The job ran on the ${backend} backend, which labgate no longer uses.`,
} as const

/**
 * Watches the live jobs of this process (one runner per process). Each pass reads the live jobs in one
 * query and, per job: stops the sandbox of one that is `stopping` and ends it `complete`; ends one whose
 * sandbox is gone (`failed` when its program wrote a non-zero exit status, else `complete`); stops one
 * past its time limit (`complete`); and, for a running job whose web UI is not ready yet, GETs its
 * readiness path through `backend.connect`, recording "Webserver ready." and its `connection_details` once
 * it answers. The first pass ({@link start}) re-adopts the jobs a previous process left: those whose
 * sandbox still runs keep running, the others end; a job still `pending` without a sandbox (a start cut
 * off) ends `failed`. Passes never overlap; a failing pass is logged and the next runs as usual.
 */
export class JobRunner {
  readonly #d: JobDeps
  readonly #intervalMs: number
  readonly #probeTimeoutMs: number
  readonly #firstProbeMs: number
  /** Jobs whose web UI is being watched until it answers (see {@link #watch}). */
  readonly #watching = new Set<number>()
  #timer: NodeJS.Timeout | null = null
  #running: Promise<void> | null = null
  #again = false
  #closed = true
  readonly #unsubscribe: () => void

  constructor(d: JobDeps, opts: JobRunnerOptions = {}) {
    this.#d = d
    this.#intervalMs = opts.intervalMs ?? 2000
    this.#probeTimeoutMs = opts.probeTimeoutMs ?? 2000
    this.#firstProbeMs = opts.firstProbeMs ?? 50
    // A stop is acted on at once, not at the next tick; a web UI that starts is watched closely.
    this.#unsubscribe = d.changes.onChange((job) => {
      if (this.#closed) return
      if (job.status === 'stopping') void this.tick()
      else if (this.#awaitsWeb(job)) this.#watch(job.id)
    })
  }

  /** Calls `listener` with every job change (the runner's and the use cases'); returns the unsubscriber. */
  onChange(listener: JobListener): () => void {
    return this.#d.changes.onChange(listener)
  }

  /** Runs the adopting first pass, then a pass every `intervalMs` until {@link close}. */
  async start(): Promise<void> {
    this.#closed = false
    await this.tick(true)
    this.#schedule()
  }

  /**
   * Runs one pass now (or, when one is under way, one more right after it) and resolves when done.
   * `adopt`: the start-up pass, which also ends jobs left pending without a sandbox.
   */
  async tick(adopt = false): Promise<void> {
    if (this.#running) {
      this.#again = true
      return this.#running
    }
    this.#running = (async () => {
      do {
        this.#again = false
        try {
          await this.#pass(adopt)
        } catch (e) {
          this.#d.log(`job runner: pass failed: ${(e as Error).stack ?? String(e)}`)
        }
        adopt = false
      } while (this.#again)
    })().finally(() => (this.#running = null))
    return this.#running
  }

  /** Stops the timer and waits for the pass under way. Jobs' sandboxes keep running. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true
    this.#unsubscribe()
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    await this.#running
  }

  #schedule(): void {
    if (this.#closed) return
    this.#timer = setTimeout(() => void this.tick().finally(() => this.#schedule()), this.#intervalMs)
    this.#timer.unref()
  }

  async #pass(adopt: boolean): Promise<void> {
    const live = await this.#d.workspaces.listJobs({ status: [...LIVE_JOB_STATUSES] })
    await Promise.all(
      live.map((job) =>
        this.#check(job, adopt).catch((e: unknown) =>
          this.#d.log(`job runner: job ${job.id}: ${(e as Error).message}`),
        ),
      ),
    )
  }

  async #check(job: JobRecord, adopt: boolean): Promise<void> {
    const d = this.#d
    if (!job.handle) {
      // Pending without a sandbox: its start is under way in this process, or was cut off by a restart.
      if (adopt) await endJob(d, job, 'failed', END_MESSAGES.orphan, ['pending'])
      return
    }
    if (!ownsHandle(d.backend, job.handle)) {
      // started by a labgate configured with another backend: nothing here can reach or stop it
      await endJob(d, job, 'failed', END_MESSAGES.otherBackend(String(job.handle.backend)))
      return
    }
    if (job.status === 'stopping') {
      await d.backend.stop(job.handle, { purge: true })
      await endJob(d, job, 'complete', END_MESSAGES.stopped, ['stopping'])
      return
    }
    const seen = await d.backend.observe(job.handle)
    if (seen.state === 'gone') {
      const ws = await d.workspaces.getWorkspace(job.workspaceId)
      const status = ws
        ? await readExitStatus(d.storage.dir({ ownerId: ws.ownerId, id: ws.id }), job.id)
        : null
      await d.backend.stop(job.handle, { purge: true })
      if (status !== null && status !== 0) await endJob(d, job, 'failed', END_MESSAGES.failed(status))
      else if (status === 0) await endJob(d, job, 'complete', END_MESSAGES.exited)
      // the backend's word for how it ended (a Slurm job's time limit, a failed node), else "gone"
      else if (seen.failed) await endJob(d, job, 'failed', END_MESSAGES.ended(seen.reason))
      else
        await endJob(
          d,
          job,
          'complete',
          seen.reason ? END_MESSAGES.ended(seen.reason) : END_MESSAGES.vanished,
        )
      return
    }
    const limit = job.resourceOptions.time_limit_minutes
    const deadline =
      job.startedAt === null
        ? null
        : jobDeadline(job.startedAt, typeof limit === 'number' ? limit : undefined)
    if (deadline !== null && d.clock.now() >= deadline) {
      await d.backend.stop(job.handle, { purge: true })
      await endJob(d, job, 'complete', END_MESSAGES.timeLimit)
      return
    }
    if (job.status === 'running' && seen.state === 'running') {
      if (adopt && this.#awaitsWeb(job)) this.#watch(job.id)
      else if (!this.#watching.has(job.id)) await this.#probe(job)
    }
  }

  /** True for a running job whose web UI has not answered yet. */
  #awaitsWeb(job: JobRecord): boolean {
    return job.status === 'running' && job.details.current_job_details.message === JOB_MESSAGES.notReady
  }

  /**
   * Probes job `id`'s web UI at growing intervals (from `firstProbeMs` up to `intervalMs`) until it is
   * ready, the job is no longer running, or the runner closes. One watch per job at a time.
   */
  #watch(id: number): void {
    if (this.#watching.has(id)) return
    this.#watching.add(id)
    const next = (delay: number) => {
      const t = setTimeout(() => {
        void (async () => {
          const job = this.#closed ? null : await this.#d.workspaces.getJob(id)
          if (!job || !this.#awaitsWeb(job)) return false
          return !(await this.#probe(job))
        })().then(
          (again) => (again ? next(Math.min(delay * 1.5, this.#intervalMs)) : this.#watching.delete(id)),
          (e: unknown) => {
            this.#watching.delete(id)
            this.#d.log(`job runner: job ${id}: ${(e as Error).message}`)
          },
        )
      }, delay)
      t.unref()
    }
    next(this.#firstProbeMs)
  }

  /** GETs the job's readiness path; records "Webserver ready." when it answers. True once it is ready. */
  async #probe(job: JobRecord): Promise<boolean> {
    const d = this.#d
    const current = job.details.current_job_details
    if (current.message !== JOB_MESSAGES.notReady) return true
    const type = d.settings.jobTypes.find((t) => t.id === job.jobType)
    const token = jobToken(job)
    // nothing to wait for: a job without a web UI
    if (!type || type.port === null || token === null) return true
    const path = readinessRequestPath(type, job.id)
    if (!(await webServerAnswers(d.backend, job.handle!, type.port, path, this.#probeTimeoutMs))) return false
    const entry = d.entry ? await d.entry.open(job, typeUrlPath(type, token)) : undefined
    const ready = await d.workspaces.updateJob(
      job.id,
      {
        details: {
          ...job.details,
          current_job_details: {
            ...current,
            message: JOB_MESSAGES.ready,
            connection_details: connectionDetails(type, job.id, token, d.urlDomain(job.id), entry),
          },
        },
      },
      ['running'],
    )
    if (ready) d.changes.emit(ready)
    return true
  }
}
