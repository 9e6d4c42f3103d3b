/**
 * `npm run bench`: starts labgate as a child process on a temporary portal, measures the figures of
 * docs/performance.md over its REST API, prints one table against the targets and the peer, and writes the
 * results to bench/results/<timestamp>.json. After labgate's figures (never beside them) it measures the
 * peer, JupyterHub, where it is installed (bench/peer/). A benchmark reports; it asserts nothing. Exits 0
 * unless labgate could not be started. See bench/README.md.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { basename, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { PortalApi } from './api.js'
import {
  ALIASES,
  FIGURE_IDS,
  WORKSHOPS,
  WORKSPACE_FIGURES,
  summaryLine,
  type FigureId,
  type FigureResult,
  type Settings,
} from './figures.js'
import { startLabgateProcess, type LabgateProcess, type StopReport } from './labgate-process.js'
import { BENCH_LAB, BenchLtiPlatform } from './lti-platform.js'
import type { HubProcess } from './peer/hub-process.js'
import { PEER_FULL, PEER_QUICK, peerMeasured, runPeer } from './peer/run-peer.js'
import type { PeerReport } from './peer/types.js'
import { countByName } from './procs.js'
import { FIGURES } from './registry.js'
import { MEASURED, formatTable, rows } from './targets.js'

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)))
const RESULTS = join(ROOT, 'bench', 'results')

const USAGE = `npm run bench -- [--quick] [--only <figure,...>] [--duration <s>] [--sessions <n>] [--no-peer]

  --quick          small counts and 3 s load tests: the whole run, peer included, in under two minutes
  --only <list>    run only these figures: ${FIGURE_IDS.join(', ')}
                   (or ${Object.entries(ALIASES)
                     .map(([k, v]) => `${k}=${v}`)
                     .join(', ')})
  --duration <s>   how long the schedule load test runs (default 10 s, 3 s with --quick), and the peer's
  --sessions <n>   how many live sessions density opens (default 10,000, 30 with --quick)
  --no-peer        do not measure the peer (JupyterHub) even where it is installed: the table shows
                   docs/performance.md's figures for it`

const FULL: Record<FigureId, Settings> = {
  reserve: { n: 200, warmup: 3, timeLimitS: 60, concurrency: 1, durationS: 0, pollMs: 0 },
  warm: { n: 200, warmup: 3, timeLimitS: 60, concurrency: 1, durationS: 0, pollMs: 0 },
  'warm-terminal': { n: 200, warmup: 3, timeLimitS: 60, concurrency: 1, durationS: 0, pollMs: 1 },
  'lti13-terminal': { n: 200, warmup: 3, timeLimitS: 60, concurrency: 1, durationS: 0, pollMs: 1 },
  cold: { n: 50, warmup: 3, timeLimitS: 60, concurrency: 1, durationS: 0, pollMs: 1 },
  'cold-terminal': { n: 50, warmup: 3, timeLimitS: 60, concurrency: 1, durationS: 0, pollMs: 1 },
  'slurm-terminal': { n: 30, warmup: 2, timeLimitS: 120, concurrency: 1, durationS: 0, pollMs: 5 },
  memory: { n: 100, warmup: 0, timeLimitS: 120, concurrency: 5, durationS: 0, pollMs: 1 },
  echo: { n: 300, warmup: 10, timeLimitS: 30, concurrency: 1, durationS: 0, pollMs: 5 },
  output: { n: 3, warmup: 0, timeLimitS: 60, concurrency: 1, durationS: 0, pollMs: 0, bytes: 50_000_000 },
  'ws-create': { n: 200, warmup: 3, timeLimitS: 60, concurrency: 1, durationS: 0, pollMs: 0 },
  'job-local': { n: 30, warmup: 2, timeLimitS: 180, concurrency: 1, durationS: 0, pollMs: 5 },
  'job-jupyter': { n: 5, warmup: 1, timeLimitS: 300, concurrency: 1, durationS: 0, pollMs: 20 },
  burst: { n: 3, warmup: 0, timeLimitS: 90, concurrency: 100, durationS: 0, pollMs: 10 },
  schedule: { n: 0, warmup: 0, timeLimitS: 0, concurrency: 20, durationS: 10, pollMs: 0 },
  alloc: { n: 1000, warmup: 0, timeLimitS: 60, concurrency: 20, durationS: 0, pollMs: 0 },
  density: { n: 10000, warmup: 0, timeLimitS: 1800, concurrency: 20, durationS: 0, pollMs: 250 },
  scaling: {
    n: 200,
    warmup: 5,
    timeLimitS: 2400,
    concurrency: 20,
    durationS: 0,
    pollMs: 0,
    levels: [10, 1000, 10_000],
    environments: [1, 10, 100],
  },
  replicas: { n: 1000, warmup: 3, timeLimitS: 60, concurrency: 20, durationS: 0, pollMs: 0 },
  // performance.md's admin-pages target is with 10,000 sessions in the store
  pages: { n: 200, warmup: 10, timeLimitS: 300, concurrency: 20, durationS: 0, pollMs: 0, levels: [10_000] },
}

const QUICK: Record<FigureId, Settings> = {
  reserve: { ...FULL.reserve, n: 20, warmup: 1, timeLimitS: 8 },
  warm: { ...FULL.warm, n: 20, warmup: 1, timeLimitS: 8 },
  'warm-terminal': { ...FULL['warm-terminal'], n: 20, warmup: 1, timeLimitS: 10 },
  'lti13-terminal': { ...FULL['lti13-terminal'], n: 20, warmup: 1, timeLimitS: 10 },
  cold: { ...FULL.cold, n: 10, warmup: 1, timeLimitS: 10 },
  'cold-terminal': { ...FULL['cold-terminal'], n: 10, warmup: 1, timeLimitS: 10 },
  'slurm-terminal': { ...FULL['slurm-terminal'], n: 5, warmup: 1, timeLimitS: 30 },
  memory: { ...FULL.memory, n: 30, timeLimitS: 40 },
  echo: { ...FULL.echo, n: 100, warmup: 5, timeLimitS: 10 },
  output: { ...FULL.output, n: 1, timeLimitS: 30 },
  'ws-create': { ...FULL['ws-create'], n: 20, warmup: 1, timeLimitS: 10 },
  'job-local': { ...FULL['job-local'], n: 5, warmup: 1, timeLimitS: 40 },
  'job-jupyter': { ...FULL['job-jupyter'], n: 2, warmup: 0, timeLimitS: 120 },
  burst: { ...FULL.burst, n: 1, timeLimitS: 40 },
  schedule: { ...FULL.schedule, durationS: 3 },
  alloc: { ...FULL.alloc, n: 100, timeLimitS: 10 },
  density: { ...FULL.density, n: 30, timeLimitS: 40 },
  scaling: {
    ...FULL.scaling,
    n: 20,
    warmup: 2,
    timeLimitS: 60,
    levels: [10, 100],
    environments: [1, 10],
  },
  replicas: { n: 100, warmup: 1, timeLimitS: 10, concurrency: 20, durationS: 0, pollMs: 0 },
  pages: { ...FULL.pages, n: 20, warmup: 3, timeLimitS: 30, levels: [1000] },
}

/** The processes the bench counts on the machine before and after a run (sandboxes, shells, forwarders). */
const WATCHED = ['bwrap', 'init', 'bash', 'sleep', 'nsenter', 'socat'] as const

const t0 = Date.now()
const log = (msg: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${msg}`)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface Options {
  quick: boolean
  only: FigureId[]
  durationS: number
  /** Measure the peer (JupyterHub) after labgate's figures, where it is installed. */
  peer: boolean
  /** Sessions for density, when not its default. */
  sessions: number | null
}

function parseOptions(argv: string[]): Options | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      duration: { type: 'string' },
      'no-peer': { type: 'boolean', default: false },
      sessions: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  })
  if (values.help) return null
  const only: FigureId[] = []
  for (const raw of (values.only ?? FIGURE_IDS.join(',')).split(',')) {
    const name = raw.trim()
    if (!name) continue
    const id = ALIASES[name] ?? FIGURE_IDS.find((f) => f === name)
    if (!id) throw new Error(`unknown figure "${name}" (known: ${FIGURE_IDS.join(', ')})`)
    if (!only.includes(id)) only.push(id)
  }
  const quick = values.quick
  const durationS = values.duration === undefined ? (quick ? 3 : 10) : Number(values.duration)
  if (!Number.isFinite(durationS) || durationS < 1 || durationS > 600)
    throw new Error(`--duration must be a number of seconds from 1 to 600, got "${values.duration}"`)
  const sessions = values.sessions === undefined ? null : Number(values.sessions)
  if (sessions !== null && (!Number.isInteger(sessions) || sessions < 1 || sessions > 100_000))
    throw new Error(`--sessions must be a whole number from 1 to 100,000, got "${values.sessions}"`)
  // Run in the documented order, whatever order --only named them in.
  const ordered = FIGURE_IDS.filter((id) => only.includes(id))
  return { quick, only: ordered, durationS, peer: !values['no-peer'], sessions }
}

function machine() {
  const cpus = os.cpus()
  const git = (args: string[]) => {
    try {
      return execFileSync('git', args, {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim()
    } catch {
      return null
    }
  }
  let distBuiltAt: string | null = null
  try {
    distBuiltAt = statSync(join(ROOT, 'dist/main/cli/main.js')).mtime.toISOString()
  } catch {
    // not built
  }
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? null,
    memoryBytes: os.totalmem(),
    freeMemoryBytes: os.freemem(),
    node: process.version,
    kernel: `${os.type()} ${os.release()} ${os.version()}`,
    arch: os.arch(),
    loadavg: os.loadavg(),
    labgate: {
      version: (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version,
      commit: git(['rev-parse', 'HEAD']),
      dirty: (git(['status', '--porcelain', '--', 'src', 'bin']) ?? '') !== '',
      distBuiltAt,
    },
  }
}

/** Lines of the labgate log that look like trouble. */
function logProblems(text: string): string[] {
  return text.split('\n').filter((l) => /error|fail|warn|exception|unhandled/i.test(l))
}

/** Waits (untimed, bounded) until no allocated session is live, so a figure does not start beside stops. */
async function settle(api: PortalApi, limitMs = 60_000): Promise<number> {
  const t = Date.now()
  while (Date.now() - t < limitMs && (await api.liveSessions()).length > 0) await sleep(50)
  return Date.now() - t
}

/** Terminates whatever allocated session is still live and waits (bounded) until none is. */
async function terminateLeftovers(api: PortalApi): Promise<number> {
  let terminated = 0
  const end = Date.now() + 30_000
  while (Date.now() < end) {
    const live = await api.liveSessions()
    if (live.length === 0) break
    for (const s of live) if (s.state !== 'STOPPING' && (await api.terminate(s.name))) terminated++
    await sleep(50)
  }
  return terminated
}

async function main(): Promise<number> {
  let opts: Options | null
  try {
    opts = parseOptions(process.argv.slice(2))
  } catch (e) {
    console.error(`bench: ${(e as Error).message}\n\n${USAGE}`)
    return 2
  }
  if (!opts) {
    console.log(USAGE)
    return 0
  }
  const startedAt = new Date()
  const info = machine()
  const procsBefore = countByName(WATCHED)
  const settingsOf = (id: FigureId): Settings => ({
    ...(opts.quick ? QUICK : FULL)[id],
    ...(id === 'schedule' ? { durationS: opts.durationS } : {}),
    ...(id === 'density' && opts.sessions ? { n: opts.sessions } : {}),
  })
  // Room for every session density opens, and a few more.
  if (opts.sessions) WORKSHOPS.density.capacity = Math.max(WORKSHOPS.density.capacity, opts.sessions + 500)
  log(
    `labgate bench (${opts.quick ? 'quick' : 'full'} run): ${opts.only.join(', ')}; ` +
      `${info.cpus} CPUs, ${(info.memoryBytes / 2 ** 30).toFixed(1)} GiB, node ${info.node}, load ${info.loadavg.map((l) => l.toFixed(2)).join(' ')}`,
  )

  const workshops = [...new Map(opts.only.map((id) => [WORKSHOPS[id].name, WORKSHOPS[id]])).values()]
  // The LMS launches from, started first: the portal's registration holds its URLs.
  const lti13 = opts.only.includes('lti13-terminal') ? await new BenchLtiPlatform().start() : undefined
  if (lti13) log(`LTI 1.3 platform: JWKS at ${lti13.url}/jwks`)
  let lg: LabgateProcess
  try {
    lg = await startLabgateProcess(workshops, {
      workspaces: opts.only.some((id) => WORKSPACE_FIGURES.includes(id)),
      ...(opts.only.includes('slurm-terminal') && { slurmSocket: slurmCluster(log) }),
      lms: lti13 ? [lti13.registration([{ id: BENCH_LAB, workshop: WORKSHOPS['lti13-terminal'].name }])] : [],
    })
  } catch (e) {
    await lti13?.close()
    console.error(`bench: labgate could not be started: ${(e as Error).message}`)
    return 1
  }
  log(`labgate is up at ${lg.url} (pid ${lg.child.pid}, data in ${lg.dir})`)

  let stop: Promise<StopReport> | null = null
  let interrupted = false
  // The peer's hub while it runs (after labgate has stopped), so a signal stops it too.
  let hub: HubProcess | null = null
  const onSignal = (sig: string) => {
    interrupted = true
    log(`${sig}: stopping labgate and its sandboxes${hub ? ', and JupyterHub with its servers' : ''}`)
    stop ??= lg.stop()
    const labgateStopped = stop.then((r) =>
      log(
        `labgate stopped; ${r.sandboxesKilled} sandboxes killed, ${r.sandboxesLeft} left; ` +
          (r.strays.length ? `stray processes killed: ${r.strays.join(', ')}` : 'no stray processes'),
      ),
    )
    const hubStopped = hub
      ?.stop()
      .then((r) =>
        log(
          'JupyterHub stopped; ' +
            (r.strays.length ? `stray processes killed: ${r.strays.join(', ')}` : 'no stray processes'),
        ),
      )
    void Promise.allSettled([labgateStopped, hubStopped]).finally(() => process.exit(130))
  }
  process.once('SIGINT', () => onSignal('SIGINT'))
  process.once('SIGTERM', () => onSignal('SIGTERM'))
  process.once('exit', () => {
    if (!stop) lg.stopNow()
    hub?.stopNow()
  })

  const api = new PortalApi(lg.url)
  const results: FigureResult[] = []
  let leftovers = 0
  try {
    await api.login(lg.robot)
    const envs = await api.environments()
    const ctx = {
      api,
      log,
      labgate: {
        pid: lg.child.pid!,
        tag: basename(lg.dir),
        readLog: lg.readLog,
        dataDir: lg.dataDir,
      },
      lti13,
      env: (workshop: string) => {
        const e = envs.get(workshop)
        if (!e) throw new Error(`no environment for workshop ${workshop}`)
        return e
      },
    }
    for (const id of opts.only) {
      if (interrupted) break
      const s = settingsOf(id)
      const waited = await settle(api)
      if (waited > 100) log(`${id}: waited ${(waited / 1000).toFixed(1)} s for earlier sessions to stop`)
      log(`${id}: starting (${JSON.stringify(s)})`)
      try {
        const r = await FIGURES[id](ctx, s)
        results.push(r)
        log(summaryLine(r))
        for (const n of r.notes) log(`  ${id}: ${n}`)
        for (const e of r.errorSamples) log(`  ${id}: error: ${e}`)
      } catch (e) {
        log(`${id}: failed: ${(e as Error).stack ?? e}`)
        results.push({
          id,
          status: 'failed',
          errors: 1,
          errorSamples: [(e as Error).message],
          notes: [],
          details: {},
          settings: s,
          elapsedS: 0,
        })
      }
    }
    leftovers = await terminateLeftovers(api)
  } catch (e) {
    log(`bench: ${(e as Error).stack ?? e}`)
  } finally {
    api.close()
  }

  log('stopping labgate')
  stop ??= lg.stop()
  const stopped = await stop
  if (lti13) {
    await lti13.close()
    log(`LTI 1.3 platform stopped (labgate fetched its JWKS ${lti13.jwksFetches} times)`)
  }
  // The copy of the log kept in bench/results leaves out the (per-run, random) robot secrets.
  const labgateLog = stopped.log
    .replaceAll(lg.robot.password, '<robot password>')
    .replaceAll(lg.robot.clientSecret, '<client secret>')
  log(
    `labgate exited (code ${stopped.exitCode}, signal ${stopped.signal}); ` +
      `${stopped.sandboxesKilled} sandboxes it left running (its reserves: labgate keeps sandboxes across ` +
      `restarts) killed, ${stopped.sandboxesLeft} left; ` +
      `temporary directory removed`,
  )
  if (leftovers) log(`${leftovers} sessions were still live at the end and were terminated`)
  if (stopped.strays.length)
    log(`processes labgate started that outlived it, killed by the bench: ${stopped.strays.join(', ')}`)
  else log('nothing labgate started outlived it')
  const procsAfter = countByName(WATCHED)
  const counts = (c: Record<string, number>) =>
    Object.entries(c)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')
  log(`processes on the machine before the run: ${counts(procsBefore)}; after: ${counts(procsAfter)}`)
  if (WATCHED.some((k) => procsBefore[k] !== procsAfter[k]))
    log(
      '  (the counts differ: other programs on the machine start and stop such processes too; of this run, ' +
        `${stopped.sandboxesLeft} sandboxes and ${stopped.strays.length} other processes were left)`,
    )

  // The peer, after labgate has stopped: never measured beside labgate's figures.
  const wanted = [...new Set(opts.only.flatMap((id) => MEASURED[id].peerOf ?? []))]
  const peerSettings = { ...(opts.quick ? PEER_QUICK : PEER_FULL), durationS: opts.durationS }
  let peer: PeerReport
  if (!opts.peer) {
    log("peer: not measured (--no-peer); showing docs/performance.md's figures")
    peer = { status: 'skipped', reason: '--no-peer', settings: peerSettings, figures: [], elapsedS: 0 }
  } else if (interrupted) {
    peer = { status: 'skipped', reason: 'interrupted', settings: peerSettings, figures: [], elapsedS: 0 }
  } else {
    peer = await runPeer(peerSettings, wanted, {
      log,
      started: (h) => (hub = h),
      interrupted: () => interrupted,
    })
    hub = null
  }
  // Interrupted: the signal handler exits (status 130) as soon as labgate and the hub have stopped; no
  // table and no results file for a run cut short.
  if (interrupted) await new Promise(() => {})
  const measuredPeer = peerMeasured(peer)

  const table = rows(results, opts.only, measuredPeer)
  console.log('')
  console.log(formatTable(table))
  console.log(
    [
      'Measured on loopback with labgate as a separate process; a shared, noisy machine: compare ratios and',
      'medians over runs. Rows whose target is "a part of" another row are steps of that row and are not judged.',
      Object.keys(measuredPeer).length
        ? 'JupyterHub figures marked "(measured)" were measured in this run, after labgate\'s (never at the same time);' +
          '\nthe ratios and the targets stated as ratios use them. Others are quoted from docs/performance.md.'
        : `The JupyterHub figures are quoted from docs/performance.md, not measured in this run (peer ${peer.status}` +
          `${peer.reason ? `: ${peer.reason}` : ''}).`,
    ].join('\n'),
  )
  const problems = logProblems(labgateLog)
  if (problems.length) {
    console.log(`\nlabgate logged ${problems.length} lines that look like trouble, for example:`)
    for (const p of problems.slice(0, 10)) console.log(`  ${p}`)
  }

  mkdirSync(RESULTS, { recursive: true })
  const stamp = startedAt.toISOString().replace(/[-:]/g, '')
  const file = join(RESULTS, `${stamp}.json`)
  const logCopy = join(RESULTS, `${stamp}.labgate.log`)
  writeFileSync(logCopy, labgateLog)
  const peerLog = peer.log ? join(RESULTS, `${stamp}.jupyterhub.log`) : null
  if (peerLog) writeFileSync(peerLog, peer.log!)
  const elapsedS = (Date.now() - t0) / 1000
  writeFileSync(
    file,
    JSON.stringify(
      {
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        elapsedS,
        options: opts,
        machine: { ...info, loadavgAtEnd: os.loadavg() },
        figures: results,
        peer: { ...peer, log: undefined, measured: measuredPeer },
        table,
        labgate: {
          stop: { ...stopped, log: undefined },
          processesOnMachine: { before: procsBefore, after: procsAfter },
          leftoverSessionsTerminated: leftovers,
          logProblems: problems.slice(0, 50),
        },
      },
      null,
      2,
    ) + '\n',
  )
  console.log(
    `\nresults: ${relative(process.cwd(), file)} (labgate log: ${relative(process.cwd(), logCopy)}` +
      `${peerLog ? `, JupyterHub log: ${relative(process.cwd(), peerLog)}` : ''})`,
  )
  console.log(
    `the whole run (${opts.quick ? 'quick' : 'full'}) took ${Math.floor(elapsedS / 60)} min ` +
      `${Math.round(elapsedS % 60)} s` +
      (peer.status === 'measured' ? `, of which the peer ${peer.elapsedS.toFixed(0)} s` : ''),
  )
  return 0
}

process.exitCode = await main()

/**
 * slurmrestd's socket for the Slurm figure: `LABGATE_SLURM_SOCKET` when set, else the one-node cluster of
 * `scripts/slurm-cluster.sh start` (started now when it is not running; idempotent).
 */
function slurmCluster(log: (m: string) => void): string {
  const given = process.env.LABGATE_SLURM_SOCKET
  if (given) return given
  log('Slurm: starting the one-node cluster (scripts/slurm-cluster.sh start)')
  const script = join(import.meta.dirname, '..', 'scripts', 'slurm-cluster.sh')
  const out = execFileSync(script, ['start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
  const socket = /LABGATE_SLURM_SOCKET=(\S+)/.exec(out)?.[1]
  if (!socket) throw new Error('scripts/slurm-cluster.sh start printed no LABGATE_SLURM_SOCKET')
  return socket.replace(/^['"]|['"]$/g, '')
}
