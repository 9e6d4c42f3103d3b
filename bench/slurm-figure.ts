/**
 * (t) A session on Slurm: request → terminal prompt, as `cold-terminal` times it, for a workshop whose
 * sessions run as Slurm batch jobs (`spec.labgate.backend: slurm`) on the cluster of
 * `scripts/slurm-cluster.sh`. The scheduler's part is reported apart: from the request until the job's
 * agent process began on the node (its output's first line gives the time), which is Slurm queueing,
 * placing and launching the batch script; the rest is labgate's (the agent's start-up, the sandbox, the
 * connection back, the terminal).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { robotRequest } from './arrival.js'
import {
  Recorder,
  WORKSHOPS,
  waitStopped,
  type FigureContext,
  type FigureResult,
  type Settings,
} from './figures.js'
import { HttpClient } from './http.js'
import { ms, summarize } from './stats.js'
import { openSession } from './terminal-figures.js'

/** The agent's first log line: `<ISO time> labgate agent: process began at <ms since the epoch> …`. */
const BEGAN = /process began at (\d+)/

/** When the agent of `session` began, from its job's output in labgate's data directory, or null. */
function agentBegan(dataDir: string, session: string): number | null {
  try {
    const m = BEGAN.exec(readFileSync(join(dataDir, 'slurm', `${session}.out`), 'utf8'))
    return m ? Number(m[1]) : null
  } catch {
    return null
  }
}

export async function slurmTerminalFigure(ctx: FigureContext, s: Settings): Promise<FigureResult> {
  const rec = new Recorder('slurm-terminal', s, ctx.log)
  const env = ctx.env(WORKSHOPS['slurm-terminal'].name)
  const http = new HttpClient(ctx.api.base, 4)
  const scheduler: number[] = []
  const labgate: number[] = []
  try {
    for (let i = 0; rec.more(i); i++) {
      const names: string[] = []
      try {
        const asked = Date.now()
        const o = await openSession(
          http,
          robotRequest(ctx.api, env, `bench-st-${i}`),
          s.pollMs,
          names,
          60_000,
        )
        await o.term.close()
        if (i >= s.warmup) {
          rec.samples.push(o.times.total)
          const began = ctx.labgate.dataDir ? agentBegan(ctx.labgate.dataDir, o.name) : null
          if (began !== null) {
            scheduler.push(began - asked)
            labgate.push(o.times.total - (began - asked))
          }
        }
      } catch (e) {
        rec.error(e)
      }
      for (const n of names) {
        await ctx.api.terminate(n).catch((e) => rec.error(e))
        await waitStopped(ctx.api, n)
      }
      rec.progress(i)
    }
  } finally {
    http.close()
  }
  const sched = summarize(scheduler)
  const rest = summarize(labgate)
  rec.details.scheduler = sched
  rec.details.afterScheduler = rest
  rec.notes.push(
    `p50 of the parts (ms): request → the job's agent began on the node (Slurm: queue, placement, ` +
      `launch) ${ms(sched.p50)} + agent began → prompt (labgate: agent start-up, sandbox, connection ` +
      `back, terminal) ${ms(rest.p50)}; ${scheduler.length} of ${rec.samples.length} sessions had the ` +
      `agent's start time`,
  )
  return rec.result()
}
