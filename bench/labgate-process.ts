/**
 * Runs labgate as a separate child process (`node bin/labgate.js serve`) on a temporary portal, and takes
 * everything down again: the process, the sandboxes it left running, the temporary directory.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeBenchPortal, type BenchPortalOptions, type BenchRobot, type BenchWorkshop } from './portal.js'
import { alive, descendants, exists, findSandboxes } from './procs.js'
import { SandboxCgroups } from '../src/backends/local/cgroup.js'
import { cgroupInstance } from '../src/backends/local/cgroup-files.js'

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A port nobody listens on right now: listen on port 0, note the port, close. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer()
    srv.on('error', fail)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      srv.close(() => done(port))
    })
  })
}

export interface LabgateProcess {
  url: string
  robot: BenchRobot
  dir: string
  /** labgate's `--data` directory (its store, sessions and workspaces), inside `dir`. */
  dataDir: string
  logFile: string
  child: ChildProcess
  /** The labgate log so far. */
  readLog(): string
  /** Stops labgate (SIGTERM, then SIGKILL after 15 s), kills the sandboxes it left, removes the directory. */
  stop(): Promise<StopReport>
  /** The same, synchronously and without waiting (for `process.on('exit')`). */
  stopNow(): void
}

export interface StopReport {
  exitCode: number | null
  signal: string | null
  /** Sandboxes still running after labgate exited, which the bench then killed. */
  sandboxesKilled: number
  /** Sandboxes of this run still there after the kill (should be 0). */
  sandboxesLeft: number
  /**
   * Processes labgate had started (its descendants just before the stop: sandboxes, nsenter, shells, socat)
   * that were still alive after labgate exited and its sandboxes were killed; the bench killed them too.
   * Should be empty.
   */
  strays: string[]
  /** labgate's whole output, read after it exited and before the directory was removed. */
  log: string
}

/**
 * Writes the portal into a fresh temporary directory (mode 0711, so the sandbox uid can reach
 * `<data>/sessions`), starts `labgate serve` on a free port and waits until `GET /healthz` answers 200.
 * `options` go into the portal (the workspaces API, LMS registrations). Throws (after cleaning up) when labgate exits or is
 * not healthy within `startTimeoutMs`.
 */
export async function startLabgateProcess(
  workshops: BenchWorkshop[],
  options: BenchPortalOptions = {},
  startTimeoutMs = 30_000,
): Promise<LabgateProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'labgate-bench-'))
  chmodSync(dir, 0o711)
  const robot: BenchRobot = {
    username: 'bench-robot@bench.test',
    password: randomBytes(18).toString('base64url'),
    clientId: 'bench-client',
    clientSecret: randomBytes(18).toString('base64url'),
  }
  const config = writeBenchPortal(join(dir, 'config'), workshops, robot, options)
  const dataDir = join(dir, 'data')
  const port = await freePort()
  const logFile = join(dir, 'labgate.log')
  const fd = openSync(logFile, 'a')
  const child = spawn(
    process.execPath,
    [
      // e.g. LABGATE_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile labgate under a figure
      ...(process.env.LABGATE_BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean),
      join(ROOT, 'bin/labgate.js'),
      'serve',
      '--config',
      config,
      '--data',
      dataDir,
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      // As root, labgate raises the kernel's tables for the sessions the portal may run (10,000 for
      // density), as an operator allows it to; LABGATE_BENCH_TUNE=0 leaves the host as it is.
      ...(process.getuid?.() === 0 && process.env.LABGATE_BENCH_TUNE !== '0' ? ['--tune-kernel'] : []),
    ],
    { cwd: ROOT, stdio: ['ignore', fd, fd] },
  )
  closeSync(fd)
  const exited = new Promise<{ code: number | null; signal: string | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  )
  const state: { exit: { code: number | null; signal: string | null } | null } = { exit: null }
  void exited.then((e) => (state.exit = e))
  const url = `http://127.0.0.1:${port}`
  const tag = basename(dir)
  const readLog = () => {
    try {
      return readFileSync(logFile, 'utf8')
    } catch {
      return ''
    }
  }

  let stopped: Promise<StopReport> | null = null
  const lg: LabgateProcess = {
    url,
    robot,
    dir,
    dataDir,
    logFile,
    child,
    readLog,
    stop() {
      stopped ??= (async () => {
        // What labgate started, to check afterwards that nothing of it outlived the stop.
        const spawned = child.pid !== undefined && !state.exit ? descendants(child.pid) : []
        if (!state.exit) {
          child.kill('SIGTERM')
          let timer: NodeJS.Timeout | undefined
          const done = await Promise.race([
            exited,
            new Promise<null>((r) => (timer = setTimeout(() => r(null), 15_000))),
          ])
          clearTimeout(timer)
          if (!done) child.kill('SIGKILL')
        }
        const e = await exited
        const log = readLog()
        const killed = await killSandboxes(tag)
        const left = findSandboxes(tag).length
        await removeCgroupsOf(dataDir)
        const strays = spawned.filter(alive)
        for (const p of strays) kill(p.pid)
        unmountUnder(dir)
        rmSync(dir, { recursive: true, force: true })
        return {
          exitCode: e.code,
          signal: e.signal,
          sandboxesKilled: killed,
          sandboxesLeft: left,
          strays: strays.map((p) => `${p.comm} (pid ${p.pid})`),
          log,
        }
      })()
      return stopped
    },
    stopNow() {
      if (!state.exit) child.kill('SIGKILL')
      for (const s of findSandboxes(tag)) kill(s.pid1.pid)
      unmountUnder(dir)
      rmSync(dir, { recursive: true, force: true })
    },
  }

  const deadline = Date.now() + startTimeoutMs
  for (;;) {
    const exit = state.exit
    if (exit) {
      const log = readLog()
      await lg.stop()
      throw new Error(
        `labgate exited (code ${exit.code}, signal ${exit.signal}) before it was healthy:\n${log}`,
      )
    }
    try {
      const res = await fetch(`${url}/healthz`)
      await res.arrayBuffer()
      if (res.status === 200) return lg
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      const log = readLog()
      await lg.stop()
      throw new Error(`labgate was not healthy after ${startTimeoutMs} ms:\n${log}`)
    }
    await sleep(20)
  }
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // already gone
  }
}

/** SIGKILLs this run's sandboxes (pid 1 takes its namespace down); returns how many there were. */
async function killSandboxes(tag: string): Promise<number> {
  const found = findSandboxes(tag)
  for (const s of found) if (alive(s.pid1)) kill(s.pid1.pid)
  const deadline = Date.now() + 5_000
  while (Date.now() < deadline && found.some((s) => alive(s.pid1))) await sleep(20)
  // The outer bwrap exits by itself once its child is gone; kill it only if it lingers.
  await sleep(50)
  for (const s of found) if (s.outer && alive(s.outer)) kill(s.outer.pid)
  // With labgate gone, the outer bwraps' parent is init, which reaps their zombies in its own time
  // (about 2 s here): wait for that, so the machine shows no bwrap of this run when the bench ends.
  const procs = found.flatMap((s) => (s.outer ? [s.pid1, s.outer] : [s.pid1]))
  const reaped = Date.now() + 10_000
  while (Date.now() < reaped && procs.some(exists)) await sleep(50)
  return found.length
}

/**
 * Removes the session cgroups labgate made for `dataDir` whose sandboxes are gone: labgate removes a
 * session's cgroups when it stops the session, but the sandboxes the bench kills after labgate exited
 * leave theirs. Left behind, each empty memory cgroup still costs the kernel a slot for every
 * filesystem's shrinker, and the next runs would measure that.
 */
async function removeCgroupsOf(dataDir: string): Promise<void> {
  // Its sandboxes were just killed: wait for their last processes to go rather than leave the cgroups.
  await new SandboxCgroups({ log: () => {}, instance: cgroupInstance(dataDir) }).removeStale(new Set(), {
    waitForExit: true,
  })
}

/**
 * Unmounts (lazily, deepest first) every mount below `dir`: the homes labgate mounts outlive it by design,
 * and a data directory cannot be removed while they are there. Their loop devices go with them.
 */
export function unmountUnder(dir: string): void {
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((point) => point.startsWith(dir + '/'))
    .sort((a, b) => b.length - a.length)
  for (const point of points) spawnSync('umount', ['-l', point], { stdio: 'ignore' })
}
