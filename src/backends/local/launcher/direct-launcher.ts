import { spawn, type ChildProcess } from 'node:child_process'
import { accessSync, closeSync, constants, openSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { LabgateError } from '../../../domain/errors.js'
import { inCgroups } from '../cgroup-exec.js'
import { spawnSandbox } from '../spawn-sandbox.js'
import { isAliveSync } from '../proc.js'
import {
  cannotMountHomes,
  type DaemonLaunch,
  type ExitStatus,
  type LaunchedProcess,
  type ProcessLauncher,
  type SandboxLaunch,
  type TerminalLaunch,
} from './launcher.js'

/** util-linux's `setsid`; `-c` makes the new session's controlling terminal its stdin. */
export const DEFAULT_SETSID = '/usr/bin/setsid'

/**
 * The {@link ProcessLauncher} that spawns from the calling process itself. labgate runs it inside its
 * launcher helper process (see `HelperLauncher`); used directly, every spawn blocks the caller's event
 * loop for as long as the fork takes.
 */
export class DirectLauncher implements ProcessLauncher {
  readonly #setsidPath: string

  constructor(opts: { setsidPath?: string } = {}) {
    this.#setsidPath = opts.setsidPath ?? DEFAULT_SETSID
  }

  async startSandbox(opts: SandboxLaunch): Promise<LaunchedProcess & { childPid: number }> {
    if (opts.home || opts.devpts) throw cannotMountHomes()
    const { cgroups, ...spawnOpts } = opts
    const { child, childPid } = await spawnSandbox({
      ...spawnOpts,
      // bwrap waits for its arguments, written after this: it cannot fork before it is inside.
      onSpawn: (pid) => joinCgroups(cgroups ?? [], pid),
    })
    return { pid: child.pid as number, childPid, exit: exitOf(child) }
  }

  async spawnOnTerminal(opts: TerminalLaunch): Promise<LaunchedProcess> {
    try {
      accessSync(opts.file, constants.X_OK)
    } catch {
      throw new LabgateError('backend_failed', `cannot run ${opts.file}: not an executable`)
    }
    let tty: number
    try {
      // O_NOCTTY: the tty must become the child's controlling terminal, never this process's.
      tty = openSync(opts.tty, constants.O_RDWR | constants.O_NOCTTY)
    } catch (err) {
      throw new LabgateError(
        'backend_failed',
        `cannot open the terminal ${opts.tty}: ${(err as Error).message}`,
      )
    }
    let child: ChildProcess
    try {
      const cmd = inCgroups(opts.cgroups, this.#setsidPath, ['-c', opts.file, ...opts.args])
      child = spawn(cmd.file, cmd.args, {
        cwd: '/',
        env: opts.env,
        stdio: [tty, tty, tty],
      })
    } finally {
      closeSync(tty)
    }
    const exit = exitOf(child)
    await spawned(child, opts.file)
    return { pid: child.pid as number, exit }
  }

  async spawnDaemon(opts: DaemonLaunch): Promise<LaunchedProcess> {
    const opened: number[] = []
    let child: ChildProcess
    try {
      try {
        for (const file of opts.files) opened.push(openSync(file, constants.O_RDONLY))
      } catch (err) {
        throw new LabgateError(
          'backend_failed',
          `cannot open ${(err as NodeJS.ErrnoException).path}: ${(err as Error).message}`,
        )
      }
      if (opts.owner && !isAliveSync(opts.owner.pid, opts.owner.startTime)) {
        throw new LabgateError('backend_failed', `process ${opts.owner.pid} is gone`)
      }
      const stderr = openSync(opts.stderrFile, 'w', 0o600)
      opened.push(stderr)
      const cmd = inCgroups(opts.cgroups, opts.file, opts.args)
      child = spawn(cmd.file, cmd.args, {
        cwd: opts.cwd,
        env: opts.env,
        stdio: ['ignore', 'ignore', stderr, ...opened.slice(0, -1)],
        detached: true,
      })
    } finally {
      for (const fd of opened) closeSync(fd)
    }
    const exit = exitOf(child)
    await spawned(child, opts.file)
    return { pid: child.pid as number, exit }
  }

  async close(): Promise<void> {}
}

/** Writes `pid` into each cgroup; kills it when one cannot be joined (the start then fails). */
function joinCgroups(cgroups: string[], pid: number): void {
  try {
    for (const cgroup of cgroups) writeFileSync(join(cgroup, 'cgroup.procs'), String(pid))
  } catch {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // Gone already.
    }
  }
}

/** Resolves once `child` runs; rejects with `backend_failed` when `file` could not be started. */
function spawned(child: ChildProcess, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('spawn', resolve)
    child.once('error', (err) =>
      reject(new LabgateError('backend_failed', `cannot run ${file}: ${err.message}`)),
    )
  })
}

function exitOf(child: ChildProcess): Promise<ExitStatus> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode })
  }
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }))
    child.once('error', () => resolve({ code: null, signal: null }))
  })
}
