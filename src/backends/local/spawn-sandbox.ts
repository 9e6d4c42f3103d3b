import { spawn, type ChildProcess } from 'node:child_process'
import { open, readFile, type FileHandle } from 'node:fs/promises'
import type { Readable, Writable } from 'node:stream'
import { LabgateError } from '../../domain/errors.js'
import { READY_LINE } from './bwrap-args.js'

/** fd numbers in bwrap's process: 3 carries `--info-fd` output, 4 carries the NUL-separated `--args`. */
export const INFO_FD = 3
const ARGS_FD = 4
/** fd number in bwrap's process that carries {@link SpawnSandboxOptions.seccompFile} (for `--seccomp`). */
export const SECCOMP_FD = 5

/** Options of {@link spawnSandbox}. */
export interface SpawnSandboxOptions {
  bwrapPath: string
  /** bwrap's options; passed through a pipe, so values (environment) never show in `ps`. */
  args: string[]
  /** The command bwrap runs in the sandbox; it must print {@link READY_LINE} once, then keep running. */
  command: string[]
  /** Host uid and gid to run bwrap as; omitted when labgate is not root (it then runs as labgate's user). */
  ids?: { uid: number; gid: number }
  /** File that receives bwrap's stderr (setup errors). */
  logFile: string
  timeoutMs: number
  /** A file opened read-only and given to bwrap as {@link SECCOMP_FD} (its seccomp program). */
  seccompFile?: string
  /** Called with bwrap's pid as soon as it is spawned (to move it into a cgroup before it forks). */
  onSpawn?: (pid: number) => void
}

/** A sandbox that {@link spawnSandbox} saw become ready. */
export interface SpawnedSandbox {
  /** The outer bwrap process, detached and unref'd. */
  child: ChildProcess
  /** The sandbox's pid 1, as reported on the info fd. */
  childPid: number
}

/**
 * Starts bwrap in its own session (so labgate's exit does not take it down) and resolves once the command
 * inside has printed {@link READY_LINE}, which proves the namespaces and mounts are complete. Rejects with
 * `backend_failed` (quoting bwrap's stderr) when bwrap exits or `timeoutMs` passes first; everything it
 * spawned is killed then.
 */
export async function spawnSandbox(opts: SpawnSandboxOptions): Promise<SpawnedSandbox> {
  const log = await open(opts.logFile, 'w', 0o600)
  let child: ChildProcess
  let seccomp: FileHandle | undefined
  // bwrap may exit (or fail to exec) before the awaits below finish: remember it from the first tick on.
  let early: { exit?: string; error?: Error } | null = null
  const onEarlyExit = (code: number | null, signal: string | null) =>
    (early = { exit: signal ?? `code ${code}` })
  const onEarlyError = (error: Error) => (early = { error })
  try {
    if (opts.seccompFile) seccomp = await openSeccomp(opts.seccompFile)
    child = spawn(opts.bwrapPath, ['--args', String(ARGS_FD), ...opts.command], {
      detached: true,
      cwd: '/',
      env: {},
      stdio: ['ignore', 'pipe', log.fd, 'pipe', 'pipe', ...(seccomp ? [seccomp.fd] : [])],
      ...opts.ids,
    })
    child.once('exit', onEarlyExit).once('error', onEarlyError)
  } finally {
    await log.close()
    await seccomp?.close()
  }
  if (child.pid !== undefined) opts.onSpawn?.(child.pid)
  const stdout = child.stdout as Readable
  const info = child.stdio[INFO_FD] as Readable
  const argsPipe = child.stdio[ARGS_FD] as Writable
  argsPipe.on('error', () => undefined)
  argsPipe.end(opts.args.map((a) => a + '\0').join(''))

  let childPid: number | undefined
  try {
    await new Promise<void>((resolve, reject) => {
      let infoText = ''
      let out = ''
      let ready = false
      const check = () => {
        if (childPid === undefined) {
          const match = /"child-pid":\s*(\d+)/.exec(infoText)
          if (match) childPid = Number(match[1])
        }
        if (ready && childPid !== undefined) finish()
      }
      const onExit = (code: number | null, signal: string | null) =>
        fail(`bwrap exited (${signal ?? `code ${code}`}) before the sandbox was ready`)
      const onError = (err: Error) => fail(`cannot run ${opts.bwrapPath}: ${err.message}`)
      const timer = setTimeout(() => fail(`sandbox not ready after ${opts.timeoutMs} ms`), opts.timeoutMs)
      const cleanup = () => {
        clearTimeout(timer)
        child.off('exit', onExit).off('error', onError)
      }
      const finish = () => {
        cleanup()
        resolve()
      }
      const fail = (message: string) => {
        cleanup()
        reject(new Error(message))
      }
      info.setEncoding('utf8').on('data', (d: string) => {
        infoText += d
        check()
      })
      stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d
        ready = out.includes(READY_LINE + '\n')
        check()
      })
      child.off('exit', onEarlyExit).off('error', onEarlyError)
      child.on('exit', onExit).on('error', onError)
      const before = early as { exit?: string; error?: Error } | null
      if (before?.error) onError(before.error)
      else if (before?.exit) fail(`bwrap exited (${before.exit}) before the sandbox was ready`)
    })
  } catch (err) {
    // While bwrap lives (unreaped), neither its pid nor its child's can have been reused.
    if (child.exitCode === null && child.signalCode === null) {
      killQuietly(childPid)
      killQuietly(child.pid)
    }
    const stderr = (await readFile(opts.logFile, 'utf8').catch(() => '')).trim()
    throw new LabgateError('backend_failed', `${(err as Error).message}${stderr ? `: ${stderr}` : ''}`)
  } finally {
    for (const stream of [stdout, info, argsPipe]) stream.destroy()
    child.unref()
  }
  return { child, childPid: childPid as number }
}

function killQuietly(pid: number | undefined): void {
  if (pid === undefined) return
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // Already gone.
  }
}

async function openSeccomp(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r')
  } catch (err) {
    throw new LabgateError('backend_failed', `cannot open ${path}: ${(err as Error).message}`)
  }
}
