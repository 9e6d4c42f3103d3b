/**
 * The density figure: as many live sessions as the target asks (10,000), each entered the way a browser
 * enters it and holding an open terminal that answered a command; how long they took to start, what they
 * cost in memory, whether every terminal still answers at the end, and, when they do not all fit, what
 * stopped them. Everything the figure opens is closed and terminated by the figure.
 */
import { readFileSync, readdirSync } from 'node:fs'
import {
  Recorder,
  WORKSHOPS,
  sleep,
  terminateAll,
  type FigureContext,
  type FigureResult,
  type Settings,
} from './figures.js'
import { HttpClient } from './http.js'
import { allProcs, findSandboxes, meminfo, memoryOf, sandboxMembers } from './procs.js'
import { ms, now, summarize } from './stats.js'
import { describeMiB, kernelGrowthPerSession, kernelMemory } from './kernel-memory.js'
import { readHostLimits } from '../src/backends/local/capacity/kernel-limits.js'
import { headroom, type Headroom } from '../src/backends/local/capacity/session-capacity.js'
import { robotRequest } from './arrival.js'
import { labgateCpuS, openSession, type OpenedSession } from './terminal-figures.js'
import { PROMPT } from './terminal.js'

const MiB = 2 ** 20

/** Consecutive failed sessions after which the figure stops starting more (a limit was reached). */
const GIVE_UP_AFTER = 20

/**
 * Memory the figure leaves the machine: it stops starting sessions when MemAvailable falls below this
 * (the larger of 1.5 GiB and 6 % of the RAM; `LABGATE_BENCH_MEMORY_FLOOR_MIB` sets another). Below it
 * the kernel thrashes, and the machine's other services (its database) are at risk.
 */
export function memoryFloorMiB(env = process.env, totalMiB = meminfo('MemTotal') / MiB): number {
  const set = Number(env.LABGATE_BENCH_MEMORY_FLOOR_MIB)
  if (env.LABGATE_BENCH_MEMORY_FLOOR_MIB !== undefined && Number.isFinite(set) && set >= 0) return set
  return Math.max(1536, Math.round(totalMiB * 0.06))
}

/** What the machine and labgate had in use at one moment: the resources a thousand sessions could exhaust. */
export interface Usage {
  /** Open file descriptors of labgate, and its soft limit (`Max open files` in /proc/<pid>/limits). */
  labgateFds: number
  labgateFdLimit: number | null
  /** Open file descriptors of labgate's native spawner, which holds the terminals' ptys (NaN without it). */
  spawnerFds: number
  /** Open file descriptors of the bench process. */
  benchFds: number
  /** Processes on the machine, and threads (kernel scheduling entities, from /proc/loadavg). */
  processes: number
  threads: number
  pidMax: number
  memAvailableMiB: number
  /** Memory cgroups on the machine, dying ones included (/proc/cgroups): each costs kernel memory. */
  memoryCgroups: number
}

function count(dir: string): number {
  try {
    return readdirSync(dir).length
  } catch {
    return NaN
  }
}

function readNumber(file: string): number {
  try {
    return Number(readFileSync(file, 'utf8').trim())
  } catch {
    return NaN
  }
}

/** The pid of labgate's native spawner (a child of labgate's running `labgate-spawner`), or null. */
function spawnerOf(labgatePid: number): number | null {
  try {
    const children = readFileSync(`/proc/${labgatePid}/task/${labgatePid}/children`, 'utf8').split(' ')
    for (const child of children.filter(Boolean))
      if (readFileSync(`/proc/${child}/comm`, 'utf8').trim() === 'labgate-spawner') return Number(child)
  } catch {
    // labgate gone
  }
  return null
}

/** `num_cgroups` of the memory controller in /proc/cgroups (NaN where it is not listed). */
function memoryCgroups(): number {
  try {
    const row = readFileSync('/proc/cgroups', 'utf8')
      .split('\n')
      .find((line) => line.startsWith('memory\t'))
    return Number(row?.split('\t')[2] ?? NaN)
  } catch {
    return NaN
  }
}

/** A snapshot of {@link Usage}. */
export function usage(labgatePid: number): Usage {
  let limit: number | null = null
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync(`/proc/${labgatePid}/limits`, 'utf8'))
    limit = m ? Number(m[1]) : null
  } catch {
    // labgate gone
  }
  let threads = NaN
  try {
    threads = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[3]?.split('/')[1])
  } catch {
    // not Linux
  }
  const spawner = spawnerOf(labgatePid)
  return {
    labgateFds: count(`/proc/${labgatePid}/fd`),
    labgateFdLimit: limit,
    spawnerFds: spawner ? count(`/proc/${spawner}/fd`) : NaN,
    benchFds: count('/proc/self/fd'),
    processes: allProcs().length,
    threads,
    pidMax: readNumber('/proc/sys/kernel/pid_max'),
    memAvailableMiB: Math.round(meminfo('MemAvailable') / MiB),
    memoryCgroups: memoryCgroups(),
  }
}

/**
 * Which resource would run out next, and at how many sessions: the host's limits (read as labgate's
 * start-up check reads them, for labgate's process) against the footprint this run measured per live
 * session (processes of its sandbox, labgate's descriptors, memory; one pty per terminal). Null without sessions.
 */
function nextWall(
  pid: number,
  live: number,
  mem: Record<string, number>,
  before: Usage,
  after: Usage,
  kernel: { slabs: Record<string, number> },
): string | null {
  if (live === 0 || !mem.processes) return null
  // Memory: what the sessions took beside the memory cgroups' slots (kmalloc-1k), and the slots by the
  // model: five filesystems a sandbox, one more with a home image (the bench's default).
  const drop = (before.memAvailableMiB - after.memAvailableMiB) / live
  const images = process.env.LABGATE_BENCH_DISK !== '0'
  const footprint = {
    processes: mem.processes / live,
    ptys: 1,
    // labgate and its spawner share one open-files limit: the one that grew more is the wall.
    labgateFds:
      Math.max(0, after.labgateFds - before.labgateFds, (after.spawnerFds || 0) - (before.spawnerFds || 0)) /
      live,
    namespaces: 1,
    memory: {
      linearMiB: Math.max(0.01, drop - (kernel.slabs['kmalloc-1k'] ?? 0)),
      filesystems: images ? 6 : 5,
      memoryCgroup: true,
    },
  }
  const rows = headroom(readHostLimits('/proc', pid), footprint, live)
  const [first, second] = rows
  if (!first) return null
  const at = (h: Headroom) =>
    `${h.resource} (${h.limit} = ${h.value.toLocaleString('en-US')}) at about ${h.sessions.toLocaleString('en-US')} sessions`
  return (
    `next wall: ${at(first)}${second ? `, then ${at(second)}` : ''}; measured per session: ` +
    `${footprint.processes.toFixed(1)} processes, ${footprint.labgateFds.toFixed(1)} descriptors in labgate or its spawner, 1 pty, ` +
    `${footprint.memory.linearMiB.toFixed(2)} MiB of memory besides the memory cgroups' slots`
  )
}

/** Which limit an error message points at: fds, pids, memory, a timeout, an HTTP status, or other. */
export function classify(message: string): string {
  if (/EMFILE|ENFILE|too many open files/i.test(message)) return 'file descriptors'
  if (/EAGAIN|Resource temporarily unavailable|fork|clone|pids/i.test(message)) return 'processes (pids)'
  if (/ENOMEM|Cannot allocate memory|out of memory/i.test(message)) return 'memory'
  if (/timed out|not seen within|not RUNNING after|timeout/i.test(message)) return 'timeouts'
  const http = /HTTP (\d{3})/.exec(message)
  if (http) return `HTTP ${http[1]}`
  if (/ECONNRESET|ECONNREFUSED|socket hang up|socket closed/i.test(message)) return 'connections'
  return 'other'
}

/**
 * The memory of the given sessions' sandboxes (PSS of every process they hold, see `sandboxMembers`) plus
 * labgate's RSS growth since `before`, divided by the sessions; the same accounting as the `memory` figure.
 */
function memoryPerSession(
  ctx: FigureContext,
  names: Set<string>,
  before: { rss: number },
): Record<string, number> {
  const sandboxes = findSandboxes(ctx.labgate.tag).filter((x) => x.session && names.has(x.session))
  const members = sandboxMembers(sandboxes, ctx.labgate.pid)
  const after = memoryOf(ctx.labgate.pid)
  const n = names.size
  const pss = members.reduce((a, m) => a + m.pss, 0)
  const rss = members.reduce((a, m) => a + m.rss, 0)
  const growth = after ? after.rss - before.rss : NaN
  return {
    sandboxesFound: sandboxes.length,
    shellsFound: members.filter((m) => m.role === 'inside' && m.comm === 'bash').length,
    processes: members.length,
    sandboxPssMiB: pss / MiB,
    sandboxRssMiB: rss / MiB,
    labgateRssBeforeMiB: before.rss / MiB,
    labgateRssAfterMiB: (after?.rss ?? NaN) / MiB,
    perSessionSandboxPssMiB: pss / n / MiB,
    perSessionLabgateMiB: growth / n / MiB,
    perSessionMiB: (pss + Math.max(0, growth)) / n / MiB,
    perSessionByRssMiB: (rss + Math.max(0, growth)) / n / MiB,
  }
}

/**
 * (l) Density: `n` sessions of a workshop without reserves, `concurrency` set up at a time, each entered in a
 * browser (polling `_labgate/schedule` every `pollMs` while STARTING, as the dashboard does every 250 ms)
 * with its first terminal open and answering `echo dense-$((i+1))`; all stay open. Reported: how
 * many started and how long that took (first request to last answer), memory per session after 2 s idle
 * (sandbox PSS + labgate's RSS growth, divided by the sessions), whether every terminal answers a second
 * command, and what was exhausted when sessions failed (errors by kind, fds, processes, memory). It stops
 * starting sessions after {@link GIVE_UP_AFTER} failures in a row, or at the time limit.
 */
export async function densityFigure(ctx: FigureContext, s: Settings): Promise<FigureResult> {
  const { api } = ctx
  const rec = new Recorder('density', s, ctx.log)
  const env = ctx.env(WORKSHOPS.density.name)
  const pid = ctx.labgate.pid
  const http = new HttpClient(api.base, s.concurrency)
  const names: string[] = []
  /** Every session whose terminal opened (to close them all); `opened`: those that answered the command. */
  const sockets: OpenedSession[] = []
  const opened: OpenedSession[] = []
  const kinds: Record<string, number> = {}
  const logStart = ctx.labgate.readLog?.().length ?? 0
  let result: FigureResult
  try {
    await sleep(1000)
    const before = memoryOf(pid)
    if (!before) throw new Error(`cannot read labgate's memory (pid ${pid})`)
    const usageBefore = usage(pid)
    const kernelBefore = kernelMemory()
    let peak = usageBefore
    let next = 0
    let inARow = 0
    let gaveUp: string | null = null
    const floorMiB = memoryFloorMiB()
    let lastLog = now()
    const cpu0 = labgateCpuS(pid)
    let lastCpu = cpu0
    const t0 = now()
    let lastOpened = t0
    await Promise.all(
      Array.from({ length: s.concurrency }, async () => {
        while (next < s.n && now() < rec.deadline && !gaveUp) {
          const available = meminfo('MemAvailable') / MiB
          if (available < floorMiB) {
            gaveUp = `memory: MemAvailable ${Math.round(available)} MiB, below the ${floorMiB} MiB the figure leaves the machine`
            break
          }
          const i = next++
          try {
            const o = await openSession(
              http,
              robotRequest(ctx.api, env, `bench-d-${i}`),
              s.pollMs,
              names,
              30_000,
            )
            sockets.push(o)
            o.term.reset()
            o.term.input(`echo dense-$((${i}+1))\r`)
            await o.term.waitFor((r) => r.includes(`dense-${i + 1}`) && PROMPT.test(r), 10_000, 'command')
            rec.samples.push(o.times.total)
            opened.push(o)
            lastOpened = now()
            inARow = 0
          } catch (e) {
            rec.error(e)
            const kind = classify((e as Error).message ?? String(e))
            kinds[kind] = (kinds[kind] ?? 0) + 1
            if (++inARow >= GIVE_UP_AFTER && !gaveUp)
              gaveUp = `${GIVE_UP_AFTER} sessions in a row failed (the last: ${(e as Error).message})`
          }
          if (now() - lastLog > 2000) {
            const cpu = labgateCpuS(pid)
            const busy = ((cpu - lastCpu) * 1e5) / (now() - lastLog)
            lastCpu = cpu
            lastLog = now()
            const u = usage(pid)
            if (u.labgateFds > peak.labgateFds || u.processes > peak.processes) peak = u
            ctx.log(
              `  density: ${opened.length}/${s.n} sessions with a terminal answering after ` +
                `${((now() - t0) / 1000).toFixed(1)} s (labgate ${busy.toFixed(0)}% CPU)` +
                (rec.errors ? `, ${rec.errors} failed` : '') +
                `; labgate fds ${u.labgateFds}/${u.labgateFdLimit ?? '?'} (spawner ${u.spawnerFds}), ` +
                `processes ${u.processes}, ` +
                `threads ${u.threads}/${u.pidMax}, MemAvailable ${u.memAvailableMiB} MiB`,
            )
          }
        }
      }),
    )
    const startS = (lastOpened - t0) / 1000
    const startCpuS = labgateCpuS(pid) - cpu0
    if (next < s.n && !gaveUp) rec.stoppedBy = 'time'
    const live = opened.filter((o) => !o.term.gone)
    ctx.log(
      `  density: ${opened.length} sessions started in ${startS.toFixed(1)} s (${live.length} terminals ` +
        `still open); measuring after 2 s idle`,
    )
    await sleep(2000)
    const usageAfter = usage(pid)
    if (usageAfter.labgateFds > peak.labgateFds) peak = usageAfter
    const mem = live.length ? memoryPerSession(ctx, new Set(live.map((o) => o.name)), before) : {}
    const kernel = kernelGrowthPerSession(kernelBefore, kernelMemory(), live.length)

    // Does every terminal still answer? A second command to each, all at once.
    ctx.log(`  density: sending a second command to each of ${opened.length} terminals`)
    const tAsk = now()
    const answers = await Promise.all(
      opened.map(async (o, k) => {
        try {
          o.term.reset()
          o.term.input(`echo again-$((${k}+1))\r`)
          await o.term.waitFor((r) => r.includes(`again-${k + 1}`) && PROMPT.test(r), 30_000, 'again')
          return null
        } catch (e) {
          return (e as Error).message
        }
      }),
    )
    const answered = answers.filter((a) => a === null).length
    const answerS = (now() - tAsk) / 1000
    const silent = answers.filter((a): a is string => a !== null)

    const problems = (ctx.labgate.readLog?.() ?? '')
      .slice(logStart)
      .split('\n')
      .filter((l) => /error|fail|warn|exception|EMFILE|EAGAIN|ENOMEM/i.test(l))
    Object.assign(rec.details, {
      requested: names.length,
      attempted: next,
      sessions: opened.length,
      startS,
      sessionsPerS: opened.length > 0 ? opened.length / startS : 0,
      labgateCpuS: startCpuS,
      labgateCpuMsPerSession: (startCpuS * 1000) / Math.max(1, names.length),
      openTimes: summarize(rec.samples),
      failuresByKind: kinds,
      gaveUp,
      terminalsAnsweringAtEnd: answered,
      secondCommandS: answerS,
      silentSamples: silent.slice(0, 5),
      usageBefore,
      usageAfter,
      usagePeak: peak,
      labgateLogProblems: problems.length,
      labgateLogSamples: problems.slice(0, 10),
      kernelMiBPerSession: kernel,
      ...mem,
    })
    const f = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(2))
    rec.notes.push(
      `${opened.length} of ${s.n} sessions started with a terminal that answered, in ${startS.toFixed(1)} s ` +
        `(${opened.length > 0 ? (opened.length / startS).toFixed(1) : 0}/s, ${s.concurrency} at a time; per session p50 ` +
        `${ms(summarize(rec.samples).p50)} ms, p99 ${ms(summarize(rec.samples).p99)} ms to the prompt); ` +
        `labgate used ${startCpuS.toFixed(1)} CPU s meanwhile (${((startCpuS * 1000) / Math.max(1, names.length)).toFixed(0)} ms per session)`,
    )
    if (live.length)
      rec.notes.push(
        `memory per session: sandbox PSS ${f(mem.perSessionSandboxPssMiB)} MiB + labgate RSS growth ` +
          `${f(mem.perSessionLabgateMiB)} MiB (${f(mem.labgateRssBeforeMiB)} → ${f(mem.labgateRssAfterMiB)} MiB) ` +
          `= ${f(mem.perSessionMiB)} MiB (by RSS: ${f(mem.perSessionByRssMiB)} MiB); ${mem.sandboxesFound} ` +
          `sandboxes, ${mem.shellsFound} shells, ${mem.processes} processes`,
      )
    if (live.length && Object.keys(kernel.fields).length)
      rec.notes.push(
        `kernel memory per session (MiB): ${describeMiB(kernel.fields)}; slab caches that grew most: ` +
          describeMiB(kernel.slabs),
      )
    rec.notes.push(
      `at the end ${answered} of ${opened.length} terminals answered a second command (all within ` +
        `${answerS.toFixed(1)} s)`,
    )
    rec.notes.push(
      `in use with the sessions open: labgate ${usageAfter.labgateFds} fds (limit ` +
        `${usageAfter.labgateFdLimit ?? '?'}), its spawner ${usageAfter.spawnerFds} fds (the terminals' ptys), ` +
        `bench ${usageAfter.benchFds} fds, ${usageAfter.processes} ` +
        `processes and ${usageAfter.threads} threads on the machine (pid_max ${usageAfter.pidMax}), ` +
        `MemAvailable ${usageBefore.memAvailableMiB} → ${usageAfter.memAvailableMiB} MiB, memory cgroups ` +
        `${usageBefore.memoryCgroups} → ${usageAfter.memoryCgroups}`,
    )
    const wall = nextWall(ctx.labgate.pid, live.length, mem, usageBefore, usageAfter, kernel)
    if (wall) rec.notes.push(wall)
    if (rec.errors)
      rec.notes.push(
        `${rec.errors} sessions failed: ${Object.entries(kinds)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}` + (gaveUp ? `; stopped: ${gaveUp}` : ''),
      )
    else if (gaveUp) rec.notes.push(`stopped starting sessions: ${gaveUp}`)
    if (problems.length)
      rec.notes.push(`labgate logged ${problems.length} lines that look like trouble, e.g. ${problems[0]}`)
    result = rec.result({ value: mem.perSessionMiB, unit: 'MiB' })
    result.latency = undefined
  } finally {
    ctx.log(`  density: closing ${sockets.length} terminals and terminating ${names.length} sessions`)
    await Promise.all(sockets.map((o) => o.term.close()))
    await terminateAll(api, names)
    const end = now() + 180_000
    while (now() < end && (await api.liveSessions()).length > 0) await sleep(200)
    http.close()
  }
  return result
}
