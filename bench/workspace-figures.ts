/**
 * The figures of the workspaces API: a workspace created with ten files, and a job started on a workspace
 * until it runs and until its web UI answers (`local_test`, `jupyter_lab`). Each figure signs in a user of
 * its own through `POST /tokens/`, and deletes what it made (untimed): jobs are stopped and waited for,
 * workspaces deleted.
 */
import {
  Recorder,
  sleep,
  type FigureContext,
  type FigureId,
  type FigureResult,
  type Settings,
} from './figures.js'
import { join } from 'node:path'
import type { HttpResponse } from './http.js'
import { jobLog, jupyterRunningAt } from './job-log.js'
import { ms, now, summarize } from './stats.js'
import { UwsClient, type UwsFile, type UwsJob } from './uws-api.js'

/** The message of a job whose web UI answered. */
export const READY = 'Webserver ready.'

/** The job statuses after which a job changes no more. */
const ENDED = ['complete', 'failed']

/** Ten files of 1,000 bytes each: what a workspace create sends (a few small notebooks and scripts). */
export function benchFiles(count = 10, bytes = 1000): UwsFile[] {
  return Array.from({ length: count }, (_, k) => ({
    name: k % 2 ? `scripts/step-${k}.py` : `notebook-${k}.ipynb`,
    content: `# file ${k}\n`.padEnd(bytes, 'x'),
  }))
}

/** A workspaces client on the figure's keep-alive pool, signed in as `username`. */
async function signedIn(ctx: FigureContext, username: string): Promise<UwsClient> {
  const uws = new UwsClient(ctx.api.http)
  await uws.signIn(ctx.api.token, username)
  return uws
}

/**
 * Deletes a workspace and polls (untimed, every 5 ms) until `GET /workspaces/<id>/` no longer lists it (the
 * deletion is asynchronous); false when it is still listed after `timeoutMs`.
 */
async function deleteAndWait(uws: UwsClient, id: number, timeoutMs = 10_000): Promise<boolean> {
  await uws.delete(id)
  const end = now() + timeoutMs
  while (now() < end) {
    if (await uws.workspaceGone(id)) return true
    await sleep(5)
  }
  return false
}

/**
 * (n) `POST /workspaces/` with ten files of 1,000 bytes, from sending it to its whole 200 answer. After each
 * (untimed) the workspace is deleted and the bench waits until `GET /workspaces/<id>/` no longer lists it,
 * so no deletion runs beside the next create.
 */
export async function wsCreateFigure(ctx: FigureContext, s: Settings): Promise<FigureResult> {
  const rec = new Recorder('ws-create', s, ctx.log)
  const uws = await signedIn(ctx, 'bench-ws-create')
  const files = benchFiles()
  let notDeleted = 0
  for (let i = 0; rec.more(i); i++) {
    try {
      const t0 = now()
      const res = await uws.create(`bench-${i}`, files)
      const t = now() - t0
      const id = UwsClient.createdId(res)
      if (i >= s.warmup) rec.samples.push(t)
      if (!(await deleteAndWait(uws, id))) notDeleted++
    } catch (e) {
      rec.error(e)
    }
    rec.progress(i)
  }
  rec.details.files = { count: files.length, bytesEach: files[0]!.content.length }
  if (notDeleted) rec.notes.push(`${notDeleted} deleted workspaces were still listed after 10 s`)
  return rec.result()
}

/** A start answered 400, 404 or 405: a labgate without the job routes, or one that refuses the body. */
export class StartRefused extends Error {
  constructor(wsId: number, res: HttpResponse) {
    super(
      `PUT /workspaces/${wsId}/start/ answered ${res.status} ${res.body.slice(0, 160)}` +
        (res.status === 400 ? '' : ': this labgate has no job start route'),
    )
  }
}

/** One job's times, ms from sending its start. */
interface JobTimes {
  /** The start's 200 answer. */
  answered: number
  /** The first `GET /jobs/<id>/` that shows it `running`. */
  running: number
  /** The first that shows "Webserver ready.". */
  ready: number
  /** The job's status in the start's answer. */
  statusAtStart: string
  polls: number
  jobId: number
  /** `Date.now()` when the start was sent, to compare with the times in the job's log. */
  sentAt: number
}

/**
 * Starts a job of `jobType` on workspace `wsId` and polls `GET /jobs/<id>/` (a poll starts at most every
 * `pollMs`, back to back when a round trip takes longer) until it is running and then until its web UI is
 * ready. Throws when the start is refused (with the answer: a labgate without the job routes answers 404),
 * when the job ends, or after `limitMs`. The job is stopped (untimed) whatever happens, and waited for.
 */
async function timeJob(
  uws: UwsClient,
  wsId: number,
  jobType: string,
  pollMs: number,
  limitMs: number,
): Promise<JobTimes> {
  const sentAt = Date.now()
  const t0 = now()
  const res = await uws.start(wsId, jobType)
  const answered = now() - t0
  if (res.status === 400 || res.status === 404 || res.status === 405) throw new StartRefused(wsId, res)
  const started = UwsClient.startedJob(res)
  let running = -1
  let polls = 0
  try {
    for (;;) {
      const sent = now()
      const job: UwsJob | null = await uws.job(started.id)
      const t = now()
      polls++
      if (!job) throw new Error(`job ${started.id} is not listed by GET /jobs/${started.id}/`)
      if (ENDED.includes(job.status))
        throw new Error(
          `job ${started.id} (${jobType}) ended ${job.status}: ${job.job_details.current_job_details.message ?? ''}`,
        )
      if (job.status === 'running' && running < 0) running = t - t0
      if (running >= 0 && job.job_details.current_job_details.message === READY)
        return {
          answered,
          running,
          ready: t - t0,
          statusAtStart: started.status,
          polls,
          jobId: started.id,
          sentAt,
        }
      if (t - t0 > limitMs)
        throw new Error(
          `job ${started.id} (${jobType}) not ${running < 0 ? 'running' : 'ready'} after ${limitMs / 1000} s ` +
            `(${job.status}, "${job.job_details.current_job_details.message ?? ''}")`,
        )
      const pause = pollMs - (t - sent)
      await (pause > 0 ? sleep(pause) : new Promise((done) => setImmediate(done)))
    }
  } finally {
    await stopAndWait(uws, started.id)
  }
}

/** Stops a job (untimed) and waits until it has ended, at most 20 s; throws when it has not. */
async function stopAndWait(uws: UwsClient, id: number): Promise<void> {
  await uws.stop(id)
  const end = now() + 20_000
  while (now() < end) {
    const job = await uws.job(id)
    if (!job || ENDED.includes(job.status)) return
    await sleep(20)
  }
  throw new Error(`job ${id} had not ended 20 s after its stop`)
}

/**
 * A job figure: one workspace (untimed: created with ten files, deleted at the end) on which jobs of
 * `jobType` start one after the other, each stopped and ended before the next. The samples are `pick` of
 * each job's times; every time is printed and kept in the details.
 */
async function jobFigure(
  ctx: FigureContext,
  s: Settings,
  id: FigureId,
  jobType: string,
  limitMs: number,
  pick: (t: JobTimes) => number,
): Promise<FigureResult> {
  const rec = new Recorder(id, s, ctx.log)
  const uws = await signedIn(ctx, `bench-${id}`)
  const wsId = UwsClient.createdId(await uws.create(`bench-${id}`, benchFiles()))
  const all: JobTimes[] = []
  // ms from sending the start until the job's log says its server runs (Jupyter's jobs only).
  const serving: number[] = []
  const root = ctx.labgate.dataDir && join(ctx.labgate.dataDir, 'workspaces')
  try {
    for (let i = 0; rec.more(i); i++) {
      try {
        const t = await timeJob(uws, wsId, jobType, s.pollMs, limitMs)
        if (i >= s.warmup) {
          all.push(t)
          rec.samples.push(pick(t))
          const log = root ? jobLog(root, wsId, t.jobId) : null
          const at = log ? jupyterRunningAt(log, t.sentAt) : null
          if (at !== null) serving.push(at - t.sentAt)
        }
      } catch (e) {
        // A labgate without the route (or refusing the body) fails the figure at once, not once per job.
        if (e instanceof StartRefused && all.length === 0) throw e
        rec.error(e)
      }
      rec.progress(i)
    }
  } finally {
    // Waited for, so that labgate's stop at the end of the run does not cut the deletion off.
    try {
      if (!(await deleteAndWait(uws, wsId)))
        rec.notes.push(`workspace ${wsId} was still listed 10 s after its deletion`)
    } catch (e) {
      rec.error(e)
    }
  }
  const sum = (f: (t: JobTimes) => number) => summarize(all.map(f))
  rec.details.jobType = jobType
  rec.details.startAnswered = sum((t) => t.answered)
  rec.details.running = sum((t) => t.running)
  rec.details.ready = sum((t) => t.ready)
  rec.details.pollsPerJob = all.length ? all.reduce((a, t) => a + t.polls, 0) / all.length : NaN
  rec.details.statusInStartAnswer = [...new Set(all.map((t) => t.statusAtStart))]
  if (serving.length) rec.details.serverSaysRunning = summarize(serving)
  rec.details.jobs = all.map((t) => ({
    answered: Math.round(t.answered * 100) / 100,
    running: Math.round(t.running * 100) / 100,
    ready: Math.round(t.ready * 100) / 100,
  }))
  if (all.length)
    rec.notes.push(
      `start answered p50 ${ms(sum((t) => t.answered).p50)} ms (job ${rec.details.statusInStartAnswer}); ` +
        `running seen p50 ${ms(sum((t) => t.running).p50)} ms; "${READY}" seen p50 ` +
        `${ms(sum((t) => t.ready).p50)} ms, p99 ${ms(sum((t) => t.ready).p99)} ms ` +
        `(polling GET /jobs/<id>/ every ${s.pollMs} ms at most)`,
      // labgate finds a web UI ready by probing it once per pass of its job runner.
      `"${READY}" is set by labgate's job runner, which probes a job's web UI once per pass (every 2 s by ` +
        'default): the time is that of the first pass after the UI answers, an upper bound of its start',
    )
  if (serving.length)
    rec.notes.push(
      `the job's own log says the server was running p50 ${ms(summarize(serving).p50)} ms, max ` +
        `${ms(summarize(serving).max)} ms after the start was sent (its log's times of day, ms resolution)`,
    )
  return rec.result()
}

/**
 * (o) A `local_test` job (python3's http.server on the workspace): from sending the start until a
 * `GET /jobs/<id>/` shows it `running`; the time until "Webserver ready." is a detail.
 */
export function jobLocalFigure(ctx: FigureContext, s: Settings): Promise<FigureResult> {
  return jobFigure(ctx, s, 'job-local', 'local_test', 30_000, (t) => t.running)
}

/** (p) A `jupyter_lab` job: from sending the start until a `GET /jobs/<id>/` shows "Webserver ready.". */
export function jobJupyterFigure(ctx: FigureContext, s: Settings): Promise<FigureResult> {
  return jobFigure(ctx, s, 'job-jupyter', 'jupyter_lab', 120_000, (t) => t.ready)
}
