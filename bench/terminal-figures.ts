/**
 * The figures that go all the way to a learner's terminal: a session requested by the robot (or launched
 * from an LMS), entered the way a browser enters it (activation → portal → the dashboard's OAuth code-flow
 * sign-in → dashboard), and a terminal WebSocket whose shell has shown its prompt. Also keystroke echo and
 * output throughput on such a terminal, a burst of 100 cold sessions, and the memory an idle session with
 * a terminal costs. Every loop is bounded by a count and a time limit; every session a figure makes is
 * terminated by the same figure (untimed), and every socket it opens is closed.
 */
import { execFileSync } from 'node:child_process'
import { robotRequest, type Arrive } from './arrival.js'
import { BrowserSession, type EnterTimes } from './browser.js'
import {
  Recorder,
  WORKSHOPS,
  requested,
  sleep,
  terminateAll,
  waitAvailable,
  waitStopped,
  type FigureContext,
  type FigureResult,
  type Settings,
} from './figures.js'
import { HttpClient } from './http.js'
import { lti13Launch } from './lti-launch.js'
import { BENCH_LAB } from './lti-platform.js'
import { findSandboxes, meminfo, memoryOf, procStat, sandboxMembers } from './procs.js'
import { ms, now, summarize, type Summary } from './stats.js'
import { PROMPT, Terminal, TerminalRefused } from './terminal.js'

const MiB = 2 ** 20
const nextTick = () => new Promise((done) => setImmediate(done))

/** The terminal id the dashboard opens first. */
const TERMINAL_ID = '1'

/** ms of each step of {@link openSession}, from the start of its first step. */
export interface OpenTimes extends EnterTimes {
  /** The first step's parts (the robot's `request`; an LMS launch's `login`, `sign`, `launch`). */
  arrival: Record<string, number>
  /** Waiting for RUNNING after the dashboard (polls of `_labgate/schedule`); 0 for a reserved session. */
  wait: number
  /** Opening the terminal WebSocket (new connection, upgrade, retries while refused). */
  socket: number
  /** Socket open → the shell's prompt. */
  prompt: number
  /** First step started → prompt arrived. */
  total: number
}

/** A session as a learner gets into it, with its first terminal at the prompt. */
export interface OpenedSession {
  name: string
  browser: BrowserSession
  term: Terminal
  times: OpenTimes
  /** The dashboard was rendered for a RUNNING session (the session came from a reserve). */
  runningAtOnce: boolean
  /** `_labgate/schedule` polls until RUNNING. */
  polls: number
  /** Terminal upgrades refused (403/404) before one was accepted. */
  refusals: number
}

/**
 * Gets a session's activation URL with `arrive` (the robot's request, {@link robotRequest}, or an LMS
 * launch), enters it in a browser (`http` is the browser's keep-alive pool), waits while it is STARTING
 * the way the dashboard does (polling `_labgate/schedule`, here at most every `pollMs` instead of the
 * dashboard's 250 ms), opens its first terminal (retrying while the upgrade is refused with 403/404) and
 * waits for the shell's prompt. The session's name goes into `names` as soon as `arrive` returns, so the
 * caller can terminate it whatever happens next.
 */
export async function openSession(
  http: HttpClient,
  arrive: Arrive,
  pollMs: number,
  names: string[],
  limitMs = 10_000,
): Promise<OpenedSession> {
  const t0 = now()
  const r = await arrive(http)
  names.push(r.name)
  const browser = new BrowserSession(http, r.name, r.jar)
  const steps = await browser.enter(r.url)
  const t2 = now()
  const runningAtOnce = browser.dashboardState === 'RUNNING'
  let state = browser.dashboardState
  let polls = 0
  while (state !== 'RUNNING') {
    if (state !== 'STARTING' && state !== null) throw new Error(`${r.name} is ${state}, not STARTING`)
    if (now() - t0 > limitMs) throw new Error(`${r.name} not RUNNING after ${limitMs} ms`)
    const sent = now()
    state = await browser.state()
    polls++
    if (state === 'RUNNING') break
    const pause = pollMs - (now() - sent)
    await (pause > 0 ? sleep(pause) : nextTick())
  }
  const t3 = now()
  let refusals = 0
  let term: Terminal
  for (;;) {
    try {
      term = await Terminal.open(browser.terminalTarget(TERMINAL_ID))
      break
    } catch (e) {
      const refused = e instanceof TerminalRefused && (e.status === 403 || e.status === 404)
      if (!refused || now() - t0 > limitMs) throw e
      refusals++
      await sleep(1)
    }
  }
  const t4 = now()
  let t5: number
  try {
    t5 = await term.prompt(limitMs)
  } catch (e) {
    await term.close()
    throw e
  }
  return {
    name: r.name,
    browser,
    term,
    runningAtOnce,
    polls,
    refusals,
    times: {
      arrival: r.times,
      ...steps,
      wait: t3 - t2,
      socket: t4 - t3,
      prompt: t5 - t4,
      total: t5 - t0,
    },
  }
}

/** The p50 of every step of {@link OpenTimes} (the first step's parts first), as details and as one line. */
function stepSummary(all: OpenTimes[]): { details: Record<string, Summary>; line: string } {
  const first = Object.keys(all[0]?.arrival ?? {})
  const rest = ['activate', 'portal', 'login', 'dashboard', 'wait', 'socket', 'prompt'] as const
  const details = Object.fromEntries([
    ...first.map((k) => [k, summarize(all.map((t) => t.arrival[k] ?? NaN))]),
    ...rest.map((k) => [k, summarize(all.map((t) => t[k]))]),
  ]) as Record<string, Summary>
  const keys = [...first, ...rest]
  const line = keys.map((k) => `${k} ${ms(details[k]!.p50)}`).join(' + ')
  return { details, line: `p50 of the steps (ms): ${line}` }
}

/**
 * The terminal figures that time one learner's way in: first step (`arrival(i)` for the i-th learner, a
 * new one each time) → browser → terminal prompt, one session at a time. Before each (untimed) the
 * previous session has stopped and, for a workshop with reserves, every reserve is available again, so the
 * only background work during the timed part is what this learner's session itself starts (with reserves,
 * the replacement of the reserve it took; without, its own sandbox).
 */
export async function toPrompt(
  ctx: FigureContext,
  s: Settings,
  id: 'warm-terminal' | 'cold-terminal' | 'lti13-terminal',
  arrival: (i: number, env: string) => Arrive,
): Promise<FigureResult> {
  const { api } = ctx
  const warm = WORKSHOPS[id].reserved > 0
  const rec = new Recorder(id, s, ctx.log)
  const env = ctx.env(WORKSHOPS[id].name)
  const http = new HttpClient(api.base, 4)
  const steps: OpenTimes[] = []
  let unexpected = 0
  let polls = 0
  let refusals = 0
  let notStopped = 0
  try {
    for (let i = 0; rec.more(i); i++) {
      // Warm: all reserves up (no replacement still starting from the previous iteration).
      if (warm && !(await waitAvailable(api, env, 10_000, WORKSHOPS[id].reserved))) {
        rec.error(new Error(`not all ${WORKSHOPS[id].reserved} reserves were available within 10 s`))
        continue
      }
      const names: string[] = []
      try {
        const o = await openSession(http, arrival(i, env), s.pollMs, names)
        await o.term.close()
        if (i >= s.warmup) {
          rec.samples.push(o.times.total)
          steps.push(o.times)
          polls += o.polls
          refusals += o.refusals
          // A warm session must be RUNNING at once; a cold one must not be (else it was not cold).
          if (o.runningAtOnce !== warm) unexpected++
        }
      } catch (e) {
        rec.error(e)
      }
      for (const n of names) {
        await api.terminate(n).catch((e) => rec.error(e))
        // Let the stop finish, so the next session does not share the machine with it.
        if (!(await waitStopped(api, n))) notStopped++
      }
      rec.progress(i)
    }
  } finally {
    http.close()
  }
  const sum = stepSummary(steps)
  rec.details.steps = sum.details
  rec.details.schedulePolls = polls
  rec.details.socketRefusals = refusals
  rec.notes.push(sum.line)
  if (warm) {
    rec.details.notFromReserve = unexpected
    if (unexpected) rec.notes.push(`${unexpected} sessions were not RUNNING at once (not from a reserve)`)
  } else {
    rec.details.runningAtOnce = unexpected
    rec.notes.push(
      `while STARTING: ${polls} schedule polls (at most every ${s.pollMs} ms; the dashboard itself polls ` +
        `every 250 ms) and ${refusals} refused terminal upgrades over ${steps.length} sessions`,
    )
    if (unexpected)
      rec.notes.push(
        `${unexpected} of ${steps.length} sessions were RUNNING already when the dashboard was rendered ` +
          '(the sandbox started while the browser followed the redirects)',
      )
  }
  if (notStopped) rec.notes.push(`${notStopped} terminated sessions had not stopped within 5 s`)
  return rec.result()
}

/**
 * (f) Warm: with a reserve available, request → activation redirects → dashboard 200 → terminal WebSocket →
 * the shell's prompt.
 */
export const warmTerminalFigure = (ctx: FigureContext, s: Settings) =>
  toPrompt(ctx, s, 'warm-terminal', (i, env) => robotRequest(ctx.api, env, `bench-wt-${i}`))

/**
 * (q) An LMS launch into a warm session: LTI 1.3 login initiation → the platform's id_token for its nonce
 * (signed by the bench, as the platform would) → launch form post → the same way as (f) from the
 * activation URL to the prompt. Each launch is a new LMS user (a nonce and a first launch are single-use).
 */
export const lti13TerminalFigure = (ctx: FigureContext, s: Settings) => {
  const platform = ctx.lti13
  if (!platform) throw new Error('no LTI 1.3 platform is registered in the portal')
  return toPrompt(ctx, s, 'lti13-terminal', (i) =>
    lti13Launch(platform, ctx.api.base, `bench-lt-${i}`, BENCH_LAB),
  )
}

/** (g) Cold: the same without a reserve; the sandbox starts on demand. */
export const coldTerminalFigure = (ctx: FigureContext, s: Settings) =>
  toPrompt(ctx, s, 'cold-terminal', (i, env) => robotRequest(ctx.api, env, `bench-ct-${i}`))

let clockTicks: number | null = null
/** CPU seconds labgate has used so far (user + system). */
export function labgateCpuS(pid: number): number {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  return (procStat(pid)?.cpuTicks ?? NaN) / clockTicks
}

/** Runs `body` on one fresh session with a terminal at its prompt; closes and terminates it afterwards. */
async function withTerminal<T>(
  ctx: FigureContext,
  workshop: string,
  user: string,
  body: (o: OpenedSession) => Promise<T>,
): Promise<T> {
  const http = new HttpClient(ctx.api.base, 2)
  const names: string[] = []
  let o: OpenedSession | null = null
  try {
    o = await openSession(http, robotRequest(ctx.api, ctx.env(workshop), user), 1, names)
    return await body(o)
  } finally {
    await o?.term.close()
    await terminateAll(ctx.api, names)
    for (const n of names) await waitStopped(ctx.api, n)
    http.close()
  }
}

/** Keystrokes typed before the line is cleared (Ctrl-U), so it never wraps. */
const LINE = 40

/**
 * (h) Keystroke echo: on a terminal at the prompt, one character at a time (`{"t":"i","d":"x"}`), timed from
 * sending it until output with the `x` arrives; `pollMs` apart (a fast typist), the line cleared with Ctrl-U
 * every 40 characters (untimed).
 */
export async function echoFigure(ctx: FigureContext, s: Settings): Promise<FigureResult> {
  const rec = new Recorder('echo', s, ctx.log)
  let clears = 0
  const cpu0 = labgateCpuS(ctx.labgate.pid)
  await withTerminal(ctx, WORKSHOPS.echo.name, 'bench-e-0', async ({ term }) => {
    let typed = 0
    for (let i = 0; rec.more(i); i++) {
      if (typed >= LINE) {
        term.reset()
        term.input('\u0015')
        await term.waitFor((r) => r.includes('\x1b[K'), 1000, 'line cleared').catch(() => sleep(20))
        typed = 0
        clears++
      }
      await sleep(s.pollMs)
      term.reset()
      const t0 = now()
      term.input('x')
      typed++
      try {
        const at = await term.waitFor((r) => r.includes('x'), 1000, 'echo')
        if (i >= s.warmup) rec.samples.push(at - t0)
      } catch (e) {
        rec.error(e)
      }
      rec.progress(i)
    }
  })
  const cpu = labgateCpuS(ctx.labgate.pid) - cpu0
  rec.details.lineClears = clears
  rec.details.labgateCpuS = cpu
  rec.notes.push(
    `${rec.samples.length} keystrokes ${s.pollMs} ms apart through bash's readline, line cleared every ` +
      `${LINE}; labgate used ${cpu.toFixed(2)} CPU s over the whole figure (session start and stop included)`,
  )
  return rec.result()
}

/**
 * (i) Output throughput: `head -c <bytes> /dev/zero | tr '\0' a; echo DONE-""MARK` at the prompt, timed from
 * sending the command until `DONE-MARK` arrives (the quotes keep the echoed command line from matching);
 * MB/s = bytes / time (MB = 10^6 bytes). Reported: the median run.
 */
export async function outputFigure(ctx: FigureContext, s: Settings): Promise<FigureResult> {
  const rec = new Recorder('output', s, ctx.log)
  const bytes = s.bytes ?? 50_000_000
  const rates: number[] = []
  const runs: Record<string, number>[] = []
  const mark = Buffer.from('DONE-MARK')
  await withTerminal(ctx, WORKSHOPS.output.name, 'bench-o-0', async ({ term }) => {
    for (let i = 0; rec.more(i); i++) {
      try {
        const bytes0 = term.bytes
        const frames0 = term.frames
        const cpu0 = labgateCpuS(ctx.labgate.pid)
        const t0 = now()
        term.input(`head -c ${bytes} /dev/zero | tr '\\0' a; echo DONE-""MARK\r`)
        const at = await term.waitForBytes(mark, Math.max(1000, rec.deadline - now()), 'DONE-MARK')
        const t = at - t0
        const received = term.bytes - bytes0
        const frames = term.frames - frames0
        const cpu = labgateCpuS(ctx.labgate.pid) - cpu0
        const rate = bytes / 1e6 / (t / 1000)
        if (received < bytes) throw new Error(`DONE-MARK after only ${received} of ${bytes} bytes`)
        if (i >= s.warmup) {
          rec.samples.push(t)
          rates.push(rate)
          runs.push({ ms: t, mbPerS: rate, received, frames, labgateCpuS: cpu })
        }
        ctx.log(
          `  output: run ${i + 1}: ${(bytes / 1e6).toFixed(0)} MB in ${ms(t)} ms = ${rate.toFixed(1)} MB/s ` +
            `(${frames} frames of ${(received / frames / 1024).toFixed(1)} KiB on average; labgate ${cpu.toFixed(2)} CPU s)`,
        )
        // The prompt may have come in the frame with DONE-MARK: look at the recent output as it is.
        await term.prompt(10_000)
      } catch (e) {
        rec.error(e)
        break
      }
    }
  })
  rec.details.runs = runs
  rec.details.bytes = bytes
  const sorted = [...rates].sort((a, b) => a - b)
  const median = sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)]! : undefined
  if (runs.length) {
    const cpu = runs.reduce((a, r) => a + r.labgateCpuS!, 0) / runs.length
    rec.notes.push(
      `${runs.length} runs of ${(bytes / 1e6).toFixed(0)} MB: ${rates.map((r) => r.toFixed(1)).join(', ')} MB/s; ` +
        `labgate used ${cpu.toFixed(2)} CPU s per run (${((cpu / (bytes / 1e6)) * 1000).toFixed(1)} CPU ms per MB)`,
    )
  }
  return rec.result({ rate: median, unit: 'MB/s' })
}

interface StatusSessions {
  sessions?: { name: string; state: string }[]
}

/**
 * (j) Burst: `concurrency` (100) users request a session of a workshop without reserves at once, over
 * connections opened beforehand; timed from sending them until every session is RUNNING, seen by polling
 * `environment/<env>/status/?sessions=true` (at most every `pollMs`). `n` rounds; between rounds everything
 * is terminated and stopped (untimed).
 */
export async function burstFigure(ctx: FigureContext, s: Settings): Promise<FigureResult> {
  const { api } = ctx
  const rec = new Recorder('burst', s, ctx.log)
  const env = ctx.env(WORKSHOPS.burst.name)
  const per = s.concurrency
  const http = new HttpClient(api.base, per)
  const rounds: Record<string, unknown>[] = []
  const totals: number[] = []
  const perSession: number[] = []
  try {
    for (let round = 0; rec.more(round); round++) {
      // Open the connections first (untimed), as the alloc figure does.
      await Promise.all(
        Array.from({ length: per }, () =>
          http.send(`/workshops/environment/${env}/status/`, { headers: api.auth }),
        ),
      )
      const answered = new Map<string, number>()
      const ready = new Map<string, number>()
      let failed = 0
      let requestsDone = false
      const t0 = now()
      const requests = Promise.all(
        Array.from({ length: per }, async (_, i) => {
          try {
            const res = await http.send(api.requestPath(env, `bench-b-${round}-${i}`), { headers: api.auth })
            answered.set(requested(res).name, now() - t0)
          } catch (e) {
            failed++
            rec.error(e)
          }
        }),
      ).then(() => (requestsDone = true))
      let polls = 0
      let longestPoll = 0
      let allReady: number | null = null
      // How many of the burst's sessions each poll saw RUNNING, and when: [ms, running].
      const timeline: [number, number][] = []
      const limit = 30_000
      while (now() - t0 < limit) {
        const sent = now()
        const st = await api.getJson<StatusSessions>(
          `/workshops/environment/${env}/status/?sessions=true`,
          'status',
        )
        const t = now() - t0
        polls++
        longestPoll = Math.max(longestPoll, now() - sent)
        for (const x of st.sessions ?? [])
          if (x.state === 'RUNNING' && !ready.has(x.name)) ready.set(x.name, t)
        if (timeline.at(-1)?.[1] !== ready.size) timeline.push([Math.round(t), ready.size])
        if (requestsDone && [...answered.keys()].every((n) => ready.has(n))) {
          allReady = t
          break
        }
        const pause = s.pollMs - (now() - sent)
        await (pause > 0 ? sleep(pause) : nextTick())
      }
      await requests
      const times = [...answered.keys()].flatMap((n) => (ready.has(n) ? [ready.get(n)!] : []))
      const answers = summarize([...answered.values()])
      const readiness = summarize(times)
      if (allReady === null) rec.error(new Error(`round ${round + 1}: not all sessions RUNNING within 30 s`))
      else if (round >= s.warmup) {
        totals.push(allReady)
        perSession.push(...times)
        rec.samples.push(allReady)
      }
      const period = (now() - t0) / polls
      rounds.push({
        sessions: answered.size,
        failed,
        allReadyMs: allReady,
        readiness,
        answers,
        polls,
        pollPeriodMs: period,
        longestPollMs: longestPoll,
        timeline,
      })
      ctx.log(
        `  burst: round ${round + 1}: ${answered.size}/${per} answered (p50 ${ms(answers.p50)} ms, last ` +
          `${ms(answers.max)} ms), ` +
          `first RUNNING after ${ms(readiness.min)} ms, ` +
          (allReady === null ? 'not all RUNNING within 30 s' : `all RUNNING after ${ms(allReady)} ms`) +
          `, per session p50 ${ms(readiness.p50)} ms; status polled every ${ms(period)} ms, the slowest ` +
          `poll took ${ms(longestPoll)} ms`,
      )
      await terminateAll(api, [...answered.keys()])
      const end = now() + 30_000
      while (now() < end && (await api.liveSessions()).length > 0) await sleep(50)
    }
  } finally {
    http.close()
  }
  rec.details.rounds = rounds
  const sorted = [...totals].sort((a, b) => a - b)
  const median = sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)]! : undefined
  rec.notes.push(
    `${totals.length} rounds of ${per} at once: all RUNNING after ${totals.map((t) => ms(t)).join(', ')} ms; ` +
      `per-session readiness over all rounds p50 ${ms(summarize(perSession).p50)} ms; each time is late by ` +
      `up to one status poll, and a poll answered slowly while the sandboxes started (see the rounds' ` +
      'longestPollMs and timeline in the JSON)',
  )
  const result = rec.result({ value: median === undefined ? undefined : median / 1000, unit: 's' })
  // The latency is per session (over all rounds); the samples in details stay the rounds' totals.
  result.latency = perSession.length ? summarize(perSession) : undefined
  return result
}

/**
 * (k) Memory per idle session: `n` sessions (no reserves), each entered in a browser with one terminal that
 * has answered a command, all open at once; then, after 2 s idle: the PSS of every process of their sandboxes
 * (see `sandboxMembers` in procs.ts) plus the growth of labgate's RSS since before the sessions, divided by
 * the sessions. `concurrency` sessions are set up at a time.
 */
export async function memoryFigure(ctx: FigureContext, s: Settings): Promise<FigureResult> {
  const { api } = ctx
  const rec = new Recorder('memory', s, ctx.log)
  const env = ctx.env(WORKSHOPS.memory.name)
  const pid = ctx.labgate.pid
  const http = new HttpClient(api.base, s.concurrency)
  const names: string[] = []
  const opened: OpenedSession[] = []
  let result: FigureResult
  try {
    await sleep(1000)
    const before = memoryOf(pid)
    const availBefore = meminfo('MemAvailable')
    if (!before) throw new Error(`cannot read labgate's memory (pid ${pid})`)
    let next = 0
    let lastLog = now()
    await Promise.all(
      Array.from({ length: s.concurrency }, async () => {
        while (next < s.n && now() < rec.deadline) {
          const i = next++
          try {
            const o = await openSession(http, robotRequest(api, env, `bench-m-${i}`), 1, names)
            opened.push(o)
            o.term.reset()
            o.term.input('echo ok-$((40+2))\r')
            await o.term.waitFor((r) => r.includes('ok-42') && PROMPT.test(r), 5000, 'command')
            rec.samples.push(o.times.total)
          } catch (e) {
            rec.error(e)
          }
          if (now() - lastLog > 1000 || opened.length === s.n) {
            lastLog = now()
            ctx.log(`  memory: ${opened.length}/${s.n} sessions with a terminal open`)
          }
        }
      }),
    )
    if (next < s.n) rec.stoppedBy = 'time'
    const ok = opened.filter((o) => !o.term.gone)
    if (ok.length === 0) throw new Error('no session with an open terminal')
    ctx.log(`  memory: ${ok.length} idle sessions; measuring after 2 s`)
    await sleep(2000)

    const wanted = new Set(ok.map((o) => o.name))
    const sandboxes = findSandboxes(ctx.labgate.tag).filter((x) => x.session && wanted.has(x.session))
    const members = sandboxMembers(sandboxes, pid)
    const after = memoryOf(pid)!
    const availAfter = meminfo('MemAvailable')
    const n = ok.length
    const pss = members.reduce((a, m) => a + m.pss, 0)
    const rss = members.reduce((a, m) => a + m.rss, 0)
    const growth = after.rss - before.rss
    const perSession = (pss + Math.max(0, growth)) / n
    const byComm: Record<string, { processes: number; pssMiB: number; rssMiB: number }> = {}
    for (const m of members) {
      const key = `${m.comm} (${m.role})`
      const b = (byComm[key] ??= { processes: 0, pssMiB: 0, rssMiB: 0 })
      b.processes++
      b.pssMiB += m.pss / MiB
      b.rssMiB += m.rss / MiB
    }
    const shells = members.filter((m) => m.role === 'inside' && m.comm === 'bash').length
    Object.assign(rec.details, {
      sessions: n,
      sandboxesFound: sandboxes.length,
      shellsFound: shells,
      processes: members.length,
      pssKnown: members.every((m) => m.pssKnown),
      sandboxPssMiB: pss / MiB,
      sandboxRssMiB: rss / MiB,
      labgateRssBeforeMiB: before.rss / MiB,
      labgateRssAfterMiB: after.rss / MiB,
      labgatePssBeforeMiB: before.pss / MiB,
      labgatePssAfterMiB: after.pss / MiB,
      perSessionMiB: perSession / MiB,
      perSessionSandboxPssMiB: pss / n / MiB,
      perSessionSandboxRssMiB: rss / n / MiB,
      perSessionLabgateMiB: growth / n / MiB,
      machineMemAvailableDropPerSessionMiB: (availBefore - availAfter) / n / MiB,
      byProcess: Object.fromEntries(
        Object.entries(byComm).map(([k, v]) => [
          k,
          { ...v, pssMiB: +v.pssMiB.toFixed(2), rssMiB: +v.rssMiB.toFixed(2) },
        ]),
      ),
      openTimes: summarize(rec.samples),
    })
    const f = (b: number) => (b / MiB).toFixed(2)
    rec.notes.push(
      `${n} sessions, ${sandboxes.length} sandboxes, ${members.length} processes, ${shells} shells: ` +
        `sandbox PSS ${f(pss / n)} MiB + labgate RSS growth ${f(growth / n)} MiB ` +
        `(${f(before.rss)} → ${f(after.rss)} MiB) = ${f(perSession)} MiB per session; ` +
        `by RSS instead of PSS: ${f(rss / n + Math.max(0, growth) / n)} MiB; ` +
        `machine MemAvailable dropped ${f((availBefore - availAfter) / n)} MiB per session (kernel memory ` +
        `included, and anything else running on the machine)`,
    )
    rec.notes.push(
      'per process kind (PSS MiB, all sessions): ' +
        Object.entries(byComm)
          .map(([k, v]) => `${k} ×${v.processes} ${v.pssMiB.toFixed(1)}`)
          .join(', '),
    )
    if (sandboxes.length !== n || shells !== n)
      rec.notes.push(`expected ${n} sandboxes and shells, found ${sandboxes.length} and ${shells}`)
    ctx.log(`  memory: ${f(perSession)} MiB per session; closing the terminals and terminating the sessions`)
    result = rec.result({ value: perSession / MiB, unit: 'MiB' })
    // The latency of this figure is not a headline: the open times are in details.
    result.latency = undefined
  } finally {
    await Promise.all(opened.map((o) => o.term.close()))
    await terminateAll(api, names)
    const end = now() + 30_000
    while (now() < end && (await api.liveSessions()).length > 0) await sleep(50)
    http.close()
  }
  return result
}
