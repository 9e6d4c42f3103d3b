/**
 * The figures the benchmark measures. Every loop is bounded by a count and by a time limit; every session
 * a figure makes is terminated by the same figure (untimed).
 */
import { UnexpectedResponse, type PortalApi } from './api.js'
import { runLoad, type LoadResult } from './load.js'
import type { BenchLtiPlatform } from './lti-platform.js'
import type { BenchWorkshop } from './portal.js'
import { describe, ms, now, summarize, type Summary } from './stats.js'

/** The figures in the order they run (light latency figures first, bursts and load last). */
export const FIGURE_IDS = [
  'reserve',
  'warm',
  'warm-terminal',
  'lti13-terminal',
  'cold',
  'cold-terminal',
  'slurm-terminal',
  'memory',
  'echo',
  'output',
  'ws-create',
  'job-local',
  'job-jupyter',
  'burst',
  'schedule',
  'alloc',
  'density',
  'scaling',
  'pages',
  'replicas',
] as const
export type FigureId = (typeof FIGURE_IDS)[number]

/**
 * Short names for `--only`: a–e as before, f–k for the terminal figures, l–m for density and scaling, n–p
 * for the workspaces API, q for the LMS launch, r for replicas, s for the pages, t for Slurm.
 */
export const ALIASES: Record<string, FigureId> = {
  a: 'reserve',
  b: 'cold',
  c: 'warm',
  d: 'schedule',
  e: 'alloc',
  f: 'warm-terminal',
  g: 'cold-terminal',
  h: 'echo',
  i: 'output',
  j: 'burst',
  k: 'memory',
  l: 'density',
  m: 'scaling',
  n: 'ws-create',
  o: 'job-local',
  p: 'job-jupyter',
  q: 'lti13-terminal',
  r: 'replicas',
  s: 'pages',
  t: 'slurm-terminal',
}

/** Each figure's own workshop, which the portal holds only when the figure runs. */
export const WORKSHOPS: Record<FigureId, BenchWorkshop> = {
  reserve: { name: 'warm', capacity: 2000, reserved: 5, expires: '1h' },
  warm: { name: 'warm', capacity: 2000, reserved: 5, expires: '1h' },
  'warm-terminal': { name: 'warm', capacity: 2000, reserved: 5, expires: '1h' },
  'lti13-terminal': { name: 'warm', capacity: 2000, reserved: 5, expires: '1h' },
  cold: { name: 'cold', capacity: 100, reserved: 0, initial: 0, expires: '1h' },
  'cold-terminal': { name: 'cold', capacity: 100, reserved: 0, initial: 0, expires: '1h' },
  'slurm-terminal': { name: 'slurm', capacity: 20, reserved: 0, initial: 0, expires: '1h', slurm: true },
  memory: { name: 'idle', capacity: 200, reserved: 0, initial: 0, expires: '1h' },
  echo: { name: 'term', capacity: 5, reserved: 0, initial: 0, expires: '1h' },
  output: { name: 'term', capacity: 5, reserved: 0, initial: 0, expires: '1h' },
  burst: { name: 'burst', capacity: 150, reserved: 0, initial: 0, expires: '1h' },
  schedule: { name: 'sched', capacity: 5, reserved: 0, initial: 0, expires: '1h' },
  alloc: { name: 'alloc', capacity: 2000, reserved: 0, initial: 0, expires: '1h' },
  density: { name: 'dense', capacity: 10500, reserved: 0, initial: 0, expires: '1h' },
  // The workspaces figures start no session; the portal has workspaces on when one of them runs.
  'ws-create': { name: 'uws', capacity: 1, reserved: 0, initial: 0, expires: '1h' },
  'job-local': { name: 'uws', capacity: 1, reserved: 0, initial: 0, expires: '1h' },
  'job-jupyter': { name: 'uws', capacity: 1, reserved: 0, initial: 0, expires: '1h' },
  // scaling runs on portals of its own (scaling.ts); this entry is the workshop of its sessions-in-store part.
  scaling: { name: 'scale', capacity: 20000, reserved: 0, initial: 0, expires: '1h' },
  // replicas runs on portals and databases of its own (replicas.ts); this entry only fills the record.
  replicas: { name: 'repl', capacity: 1, reserved: 0, initial: 0, expires: '1h' },
  // pages runs on a portal of its own (pages.ts); this entry only fills the record.
  pages: { name: 'pages', capacity: 1, reserved: 0, initial: 0, expires: '1h' },
}

/** The figures that need the portal's workspaces API (`spec.labgate.workspaces`). */
export const WORKSPACE_FIGURES: readonly FigureId[] = ['ws-create', 'job-local', 'job-jupyter']

export interface Settings {
  /** Iterations (latency figures) or requests (alloc). */
  n: number
  /** Untimed iterations before the measured ones (latency figures). */
  warmup: number
  timeLimitS: number
  /** Requests in flight (alloc) or connections (schedule). */
  concurrency: number
  /** Load duration (schedule). */
  durationS: number
  /**
   * Pause between two schedule polls (cold, cold-terminal), between two keystrokes (echo), or between two
   * job polls (job-local, job-jupyter).
   */
  pollMs: number
  /** Bytes of output per run (output). */
  bytes?: number
  /** Sessions in the store at which allocation latency is measured (scaling). */
  levels?: number[]
  /** Environments in the portals whose catalog latency is measured (scaling). */
  environments?: number[]
}

export interface FigureResult {
  id: FigureId
  status: 'ok' | 'failed'
  /** The figure's latency in ms (for schedule: per request under load). */
  latency?: Summary
  /** Per second (schedule: requests, alloc: allocations, output: MB). */
  rate?: number
  /** The figure's headline when it is neither a latency nor a rate (burst: s, memory: MiB per session). */
  value?: number
  /** The unit of `value` (or of `rate` when there is no `value`). */
  unit?: string
  /** Timed operations that did not answer as expected (non-2xx, timeouts, failed sessions). */
  errors: number
  errorSamples: string[]
  notes: string[]
  details: Record<string, unknown>
  settings: Settings
  elapsedS: number
}

export interface FigureContext {
  api: PortalApi
  /** The environment name of a workshop. */
  env(workshop: string): string
  log(msg: string): void
  /**
   * The labgate process: its pid, the name of its temporary directory (which its sandboxes mount) and,
   * when known, its log so far and its data directory (`--data`).
   */
  labgate: { pid: number; tag: string; readLog?: () => string; dataDir?: string }
  /** The LTI 1.3 platform registered in the portal, when a figure that launches from an LMS runs. */
  lti13?: BenchLtiPlatform
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Collects the results of one figure. */
export class Recorder {
  readonly samples: number[] = []
  errors = 0
  readonly errorSamples: string[] = []
  readonly notes: string[] = []
  readonly details: Record<string, unknown> = {}
  readonly start = now()
  readonly deadline: number
  stoppedBy: 'count' | 'time' = 'count'

  constructor(
    readonly id: FigureId,
    readonly s: Settings,
    private readonly log: (msg: string) => void,
  ) {
    this.deadline = this.start + s.timeLimitS * 1000
  }

  /** True while iteration `i` (counting warm-up ones) may run: under the count and the time limit. */
  more(i: number): boolean {
    if (i >= this.s.n + this.s.warmup) return false
    if (now() > this.deadline) {
      this.stoppedBy = 'time'
      return false
    }
    return true
  }

  error(e: unknown): void {
    this.errors++
    if (this.errorSamples.length < 10) this.errorSamples.push((e as Error).message ?? String(e))
  }

  /** A progress line about every tenth of the run. */
  progress(i: number): void {
    const every = Math.max(1, Math.round((this.s.n + this.s.warmup) / 10))
    if ((i + 1) % every !== 0 || this.samples.length === 0) return
    const sm = summarize(this.samples)
    this.log(
      `  ${this.id}: ${i + 1}/${this.s.n + this.s.warmup}, p50 ${ms(sm.p50)} ms, p99 ${ms(sm.p99)} ms so far` +
        (this.errors ? `, ${this.errors} errors` : ''),
    )
  }

  result(extra: Partial<FigureResult> = {}): FigureResult {
    // Every sample in the order taken, for looking at how a figure moved during the run.
    if (this.samples.length) this.details.samples = this.samples.map((x) => Math.round(x * 100) / 100)
    if (this.stoppedBy === 'time')
      this.notes.push(`stopped by the ${this.s.timeLimitS} s time limit after ${this.samples.length} samples`)
    return {
      id: this.id,
      status: 'ok',
      latency: this.samples.length ? summarize(this.samples) : undefined,
      errors: this.errors,
      errorSamples: this.errorSamples,
      notes: this.notes,
      details: this.details,
      settings: this.s,
      elapsedS: (now() - this.start) / 1000,
      ...extra,
    }
  }
}

/** Waits (untimed) until the environment has `count` reserves available; returns false after `timeoutMs`. */
export async function waitAvailable(
  api: PortalApi,
  env: string,
  timeoutMs = 10_000,
  count = 1,
): Promise<boolean> {
  const end = now() + timeoutMs
  while (now() < end) {
    if ((await api.status(env)).available >= count) return true
    await sleep(2)
  }
  return false
}

/** Waits (untimed) until a terminated session has stopped (its schedule answers 404). */
export async function waitStopped(api: PortalApi, name: string, timeoutMs = 5_000): Promise<boolean> {
  const end = now() + timeoutMs
  while (now() < end) {
    if ((await api.schedule(name)).status === 404) return true
    await sleep(5)
  }
  return false
}

/** Terminates sessions, `concurrency` at a time; errors are counted, not thrown. */
export async function terminateAll(api: PortalApi, names: string[], concurrency = 20): Promise<number> {
  let next = 0
  let failed = 0
  await Promise.all(
    Array.from({ length: Math.min(concurrency, names.length) }, async () => {
      while (next < names.length) {
        const name = names[next++]!
        await api.terminate(name).catch(() => failed++)
      }
    }),
  )
  return failed
}

/** Parses a request's 200 answer or throws. */
export function requested(res: { status: number; body: string; headers: unknown }): {
  name: string
  url: string
} {
  if (res.status !== 200) throw new UnexpectedResponse('request', res as never)
  return JSON.parse(res.body) as { name: string; url: string }
}

/**
 * (a) With a reserve available, the time of one `environment/<env>/request/` for a new user, from sending
 * it to its whole 200 answer.
 */
export async function reserveFigure(ctx: FigureContext, s: Settings): Promise<FigureResult> {
  const { api } = ctx
  const rec = new Recorder('reserve', s, ctx.log)
  const env = ctx.env(WORKSHOPS.reserve.name)
  let notFromReserve = 0
  for (let i = 0; rec.more(i); i++) {
    if (!(await waitAvailable(api, env))) {
      rec.error(new Error('no reserve became available within 10 s'))
      continue
    }
    const t0 = now()
    const res = await api.get(api.requestPath(env, `bench-r-${i}`))
    const t = now() - t0
    try {
      const r = requested(res)
      if (i >= s.warmup) rec.samples.push(t)
      // A session taken from a reserve is RUNNING at once; one created on demand would be STARTING.
      const sched = await api.schedule(r.name)
      if (sched.status !== 200 || (JSON.parse(sched.body) as { status: string }).status !== 'RUNNING')
        notFromReserve++
      await api.terminate(r.name)
    } catch (e) {
      rec.error(e)
    }
    rec.progress(i)
  }
  rec.details.notFromReserve = notFromReserve
  if (notFromReserve)
    rec.notes.push(`${notFromReserve} requests were not answered with a RUNNING (reserved) session`)
  return rec.result()
}

/**
 * (b) Cold start: from sending the request (no reserve) until a `schedule/` poll answers `RUNNING`, i.e.
 * the sandbox is up. Polls start at most every `pollMs`, back to back when a round trip takes longer; the
 * resolution is one poll period.
 */
export async function coldFigure(ctx: FigureContext, s: Settings): Promise<FigureResult> {
  const { api } = ctx
  const rec = new Recorder('cold', s, ctx.log)
  const env = ctx.env(WORKSHOPS.cold.name)
  const requestMs: number[] = []
  let polls = 0
  let pollSpan = 0
  let notStopped = 0
  for (let i = 0; rec.more(i); i++) {
    try {
      const t0 = now()
      const r = requested(await api.get(api.requestPath(env, `bench-c-${i}`)))
      const tReq = now() - t0
      let up = -1
      let first = now()
      let count = 0
      for (;;) {
        const sent = now()
        const res = await api.schedule(r.name)
        const t = now()
        count++
        const state = res.status === 200 ? (JSON.parse(res.body) as { status: string }).status : null
        if (state === 'RUNNING') {
          up = t - t0
          break
        }
        if (state !== 'STARTING') throw new UnexpectedResponse(`schedule of ${r.name} (${state})`, res)
        if (t - t0 > 10_000) throw new Error(`${r.name} not RUNNING after 10 s`)
        if (count === 1) first = t
        // Polls start at most every pollMs: back to back when a round trip takes longer than that.
        const pause = s.pollMs - (t - sent)
        await (pause > 0 ? sleep(pause) : new Promise((done) => setImmediate(done)))
      }
      if (i >= s.warmup) {
        rec.samples.push(up)
        requestMs.push(tReq)
        if (count > 1) {
          polls += count - 1
          pollSpan += now() - first
        }
      }
      await api.terminate(r.name)
      // Let the stop finish, so the next start does not share the machine with it.
      if (!(await waitStopped(api, r.name))) notStopped++
    } catch (e) {
      rec.error(e)
    }
    rec.progress(i)
  }
  const period = polls ? pollSpan / polls : NaN
  rec.details.requestAnswered = summarize(requestMs)
  rec.details.pollPeriodMs = period
  rec.details.pollsPerSession = rec.samples.length ? polls / rec.samples.length : NaN
  rec.notes.push(
    `request answered (session STARTING) after p50 ${ms(summarize(requestMs).p50)} ms; ` +
      `readiness seen by polling schedule/ every ${ms(period)} ms on average (a poll starts as the last one ` +
      `is answered, at most every ${s.pollMs} ms): ` +
      'each figure is late by up to one poll period',
  )
  if (notStopped) rec.notes.push(`${notStopped} terminated sessions had not stopped within 5 s`)
  return rec.result()
}

/**
 * (c) Warm, first part: with a reserve available, a request for a new user and then its activation URL (no
 * bearer token, redirects not followed), which must answer 302 with a cookie; timed from sending the request
 * to the whole 302 answer. The whole way to the terminal prompt is `warm-terminal` (terminal-figures.ts).
 */
export async function warmFigure(ctx: FigureContext, s: Settings): Promise<FigureResult> {
  const { api } = ctx
  const rec = new Recorder('warm', s, ctx.log)
  const env = ctx.env(WORKSHOPS.warm.name)
  const requestMs: number[] = []
  const activateMs: number[] = []
  for (let i = 0; rec.more(i); i++) {
    if (!(await waitAvailable(api, env))) {
      rec.error(new Error('no reserve became available within 10 s'))
      continue
    }
    let name: string | null = null
    try {
      const t0 = now()
      const r = requested(await api.get(api.requestPath(env, `bench-w-${i}`)))
      name = r.name
      const t1 = now()
      const act = await api.activate(r.url)
      const t2 = now()
      if (act.status !== 302) throw new UnexpectedResponse('activate', act)
      if (!act.headers['set-cookie']?.length) throw new Error('activate: 302 without a cookie')
      if (i >= s.warmup) {
        rec.samples.push(t2 - t0)
        requestMs.push(t1 - t0)
        activateMs.push(t2 - t1)
      }
    } catch (e) {
      rec.error(e)
    }
    if (name) await api.terminate(name).catch((e) => rec.error(e))
    rec.progress(i)
  }
  rec.details.request = summarize(requestMs)
  rec.details.activate = summarize(activateMs)
  rec.notes.push(
    `request p50 ${ms(summarize(requestMs).p50)} ms + activate p50 ${ms(summarize(activateMs).p50)} ms; ` +
      'the rest of the way to the terminal prompt is the warm-terminal figure',
  )
  return rec.result()
}

/**
 * (d) Authenticated `schedule/` GETs of one (activated) session with autocannon: `concurrency`
 * connections for `durationS` seconds.
 */
export async function scheduleFigure(ctx: FigureContext, s: Settings): Promise<FigureResult> {
  const { api } = ctx
  const rec = new Recorder('schedule', s, ctx.log)
  const env = ctx.env(WORKSHOPS.schedule.name)
  const r = requested(await api.get(api.requestPath(env, 'bench-s-0')))
  const act = await api.activate(r.url)
  if (act.status !== 302) throw new UnexpectedResponse('activate', act)
  let load: LoadResult
  try {
    const check = await api.schedule(r.name)
    if (check.status !== 200) throw new UnexpectedResponse('schedule', check)
    ctx.log(`  schedule: ${s.concurrency} connections for ${s.durationS} s on ${r.name}`)
    load = await runLoad({
      url: `${api.base}/workshops/session/${r.name}/schedule/`,
      headers: api.auth,
      connections: s.concurrency,
      durationS: s.durationS,
      onSecond: (sec, answered) => ctx.log(`  schedule: second ${sec}: ${answered} answers`),
    })
  } finally {
    await api.terminate(r.name).catch(() => undefined)
  }
  rec.errors = load.non2xx + load.errors + load.timeouts
  if (rec.errors)
    rec.errorSamples.push(
      `non-2xx ${load.non2xx}, errors ${load.errors}, timeouts ${load.timeouts}, codes ${JSON.stringify(load.statusCodes)}`,
    )
  rec.details.load = load
  rec.notes.push(
    `${load.total} requests in ${load.durationS} s; autocannon's own histogram (whole ms): ` +
      `p50 ${load.autocannonLatency.p50} ms, p99 ${load.autocannonLatency.p99} ms`,
  )
  return rec.result({ latency: load.latency, rate: load.rps })
}

/**
 * (e) Allocations: `n` requests, each for a new user, `concurrency` in flight, from a workshop without
 * reserves; the rate is 200 answers per second of wall time from the first request to the last answer.
 * Sandboxes start in the background meanwhile; all sessions are terminated afterwards (untimed).
 */
export async function allocFigure(ctx: FigureContext, s: Settings): Promise<FigureResult> {
  const { api } = ctx
  const rec = new Recorder('alloc', s, ctx.log)
  const env = ctx.env(WORKSHOPS.alloc.name)
  const names: string[] = []
  const codes: Record<string, number> = {}
  // Open the connections first (untimed): a busy Node server accepts a burst of new connections slowly,
  // and their first requests would wait for that, not for an allocation.
  await Promise.all(Array.from({ length: s.concurrency }, () => api.status(env)))
  let sent = 0
  let done = 0
  const t0 = now()
  let lastTick = t0
  let lastDone = 0
  await Promise.all(
    Array.from({ length: s.concurrency }, async () => {
      while (sent < s.n && now() < rec.deadline) {
        const i = sent++
        const t = now()
        try {
          const res = await api.get(api.requestPath(env, `bench-a-${i}`))
          codes[res.status] = (codes[res.status] ?? 0) + 1
          const r = requested(res)
          rec.samples.push(now() - t)
          names.push(r.name)
        } catch (e) {
          rec.error(e)
        }
        done++
        if (now() - lastTick >= 1000) {
          const rate = ((done - lastDone) * 1000) / (now() - lastTick)
          ctx.log(`  alloc: ${done}/${s.n} answered, ${rate.toFixed(0)}/s in the last second`)
          lastTick = now()
          lastDone = done
        }
      }
    }),
  )
  const elapsed = (now() - t0) / 1000
  if (sent < s.n) rec.stoppedBy = 'time'
  const rate = names.length / elapsed
  ctx.log(
    `  alloc: ${names.length} sessions allocated in ${elapsed.toFixed(2)} s; waiting for their sandboxes`,
  )

  // Untimed from here: how long until every sandbox of the burst was up, then clean up.
  let allUp: number | null = null
  const upDeadline = now() + 60_000
  while (now() < upDeadline) {
    const live = await api.liveSessions()
    if (!live.some((x) => x.state === 'STARTING')) {
      allUp = (now() - t0) / 1000
      break
    }
    await sleep(50)
  }
  ctx.log(`  alloc: terminating ${names.length} sessions`)
  const failed = await terminateAll(api, names)
  rec.details.statusCodes = codes
  rec.details.elapsedS = elapsed
  rec.details.allSandboxesUpS = allUp
  rec.details.terminateFailures = failed
  rec.notes.push(
    `${names.length} allocations in ${elapsed.toFixed(2)} s with ${s.concurrency} in flight ` +
      `over ${s.concurrency} connections opened beforehand; ` +
      (allUp === null
        ? 'their sandboxes were not all up within 60 s'
        : `all their sandboxes were up ${allUp.toFixed(2)} s after the first request (seen by polling every ~50 ms)`),
  )
  if (failed) rec.notes.push(`${failed} terminations failed`)
  return rec.result({ rate })
}

/** One line about a figure's result, for the log. */
export function summaryLine(r: FigureResult): string {
  const parts = [`${r.id}:`]
  if (r.value !== undefined) parts.push(`${r.value.toFixed(2)} ${r.unit ?? ''}`.trim())
  if (r.rate !== undefined)
    parts.push(r.value === undefined && r.unit ? `${r.rate.toFixed(1)} ${r.unit}` : `${r.rate.toFixed(0)}/s`)
  if (r.latency) parts.push(describe(r.latency))
  if (r.errors) parts.push(`${r.errors} errors`)
  return parts.join(' ')
}
