import { constants, statSync } from 'node:fs'
import { chmod, lstat, mkdir, open, readFile, rm, unlink, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { LabgateError } from '../../domain/errors.js'
import type { SandboxEndpoint } from '../backend.js'
import { cgroupsOf, type LocalHandle } from './handle.js'
import { checkHostListener } from './host-listener.js'
import type { LaunchedProcess, ProcessLauncher } from './launcher/launcher.js'
import { isAlive } from './proc.js'

/** Options of {@link PortForwarders}; `runDir` and `launcher` are required. */
export interface PortForwardersOptions {
  /**
   * Where forwarder sockets live: `<runDir>/<session>/<port>.sock`. Created 0700 and owned by labgate; it
   * must not be visible in any sandbox (the local backend never mounts the data directory, so
   * `<dataDir>/run` is right).
   */
  runDir: string
  /** Default `/usr/bin/nsenter`, `/usr/bin/setpriv`, `/usr/bin/socat`. */
  nsenterPath?: string
  setprivPath?: string
  socatPath?: string
  /**
   * When labgate is root: the uid and gid each forwarded connection runs as (default: the sandbox's own host
   * uid and gid, from its handle). Only the listener, which accepts connections from labgate alone, keeps root.
   */
  connectionIds?: { uid: number; gid: number }
  /**
   * The most connections one forwarder carries at once (socat's `max-children`: one process each, in
   * labgate's cgroup), default {@link DEFAULT_MAX_CONNECTIONS}; further ones wait in the socket's backlog.
   */
  maxConnections?: number
  /** A forwarder unused this long is stopped (default 10 minutes); the next request starts a new one. */
  idleMs?: number
  /** How often idle forwarders and those of vanished sandboxes are swept (default 60 s). */
  sweepIntervalMs?: number
  /**
   * What starts the forwarders: the local backend's launcher, so that no fork blocks labgate's event loop
   * and a forwarder gets only its own descriptors.
   */
  launcher: ProcessLauncher
  log?: (msg: string) => void
}

/** A sandbox's network namespace, opened and checked to belong to the holder the handle names. */
export interface SandboxNetns {
  /** An open file of `/proc/<childPid>/ns/net`: it pins the namespace, whatever becomes of the pid. */
  file: FileHandle
  /** True when it is labgate's own network namespace (a sandbox with `network: host`). */
  shared: boolean
}

interface Forwarder {
  session: string
  port: number
  holder: { pid: number; startTime: number }
  socketPath: string
  ready: Promise<void>
  child: LaunchedProcess | null
  exited: boolean
  lastUsed: number
}

/** Default of {@link PortForwardersOptions.maxConnections}: above the app proxy's cap per session. */
export const DEFAULT_MAX_CONNECTIONS = 256

/** Thrown when a sandbox's holder is gone (or its pid now belongs to another process). */
const sandboxGone = (session: string) =>
  new LabgateError('unavailable', `the sandbox of ${session} is not running`)

/** The longest path a unix socket address can hold on Linux (108 bytes with the terminating NUL). */
const MAX_SOCKET_PATH = 107

const OWN_NETNS = statSync('/proc/self/ns/net')

/**
 * Opens the network namespace of the sandbox whose holder is `h.childPid`, after checking that the pid is
 * still that holder (its start time matches `h.startTime`, checked again once the file is open, so a
 * reused pid is never entered). Throws `LabgateError('unavailable')` when it is gone. The caller closes `file`.
 */
export async function openSandboxNetns(h: LocalHandle): Promise<SandboxNetns> {
  if (!(await isAlive(h.childPid, h.startTime))) throw sandboxGone(h.session)
  let file: FileHandle
  try {
    file = await open(`/proc/${h.childPid}/ns/net`, constants.O_RDONLY)
  } catch {
    throw sandboxGone(h.session)
  }
  try {
    if (!(await isAlive(h.childPid, h.startTime))) throw sandboxGone(h.session)
    const st = await file.stat()
    return { file, shared: st.ino === OWN_NETNS.ino && st.dev === OWN_NETNS.dev }
  } catch (e) {
    await file.close()
    throw e
  }
}

/**
 * Per (session, port) forwarders from a unix socket on the host into a sandbox's own network namespace:
 * `nsenter --net` (only the network namespace: the forwarder sees the host's files, never the sandbox's)
 * running `socat UNIX-LISTEN:<runDir>/<session>/<port>.sock,fork,max-children=<n> TCP:127.0.0.1:<port>`
 * (one process per connection, at most `maxConnections`). The socket is mode 0600 in a 0700 directory
 * labgate owns, outside every sandbox. As root, the listener drops its
 * supplementary groups and each forwarded connection runs as `connectionIds`. Forwarders start on first
 * use, stop with {@link stopSession}, when idle, or when their sandbox has gone, and die with labgate
 * (parent-death signal).
 */
export class PortForwarders {
  readonly #o: PortForwardersOptions
  readonly #asRoot = process.getuid?.() === 0
  readonly #forwarders = new Map<string, Forwarder>()
  readonly #launcher: ProcessLauncher
  readonly #sweeper: NodeJS.Timeout
  #closed = false

  constructor(o: PortForwardersOptions) {
    this.#o = o
    this.#launcher = o.launcher
    this.#sweeper = setInterval(() => void this.#sweep(), o.sweepIntervalMs ?? 60_000)
    this.#sweeper.unref()
  }

  /**
   * Where `127.0.0.1:<port>` in the sandbox of `h` is dialed: that address itself for a sandbox on the
   * host's network (once `checkHostListener` found what listens there to be the sandbox's own), else the
   * socket of its forwarder, started when none runs. Checks on every call that the sandbox still runs.
   * Throws `LabgateError('unavailable')` when it is gone, `backend_failed` when the forwarder cannot start
   * or the host's listener is another's.
   */
  async endpoint(h: LocalHandle, port: number): Promise<SandboxEndpoint> {
    const running = this.running(h, port)
    if (running && (await isAlive(h.childPid, h.startTime))) return { socketPath: running }
    const ns = await openSandboxNetns(h)
    try {
      if (ns.shared) {
        await checkHostListener(h, port)
        return { host: '127.0.0.1', port }
      }
      return { socketPath: await this.socketFor(h, port) }
    } finally {
      await ns.file.close()
    }
  }

  /**
   * The socket of the running forwarder for `port` in the sandbox of `h` (that very holder), marking it
   * used; undefined when there is none yet.
   */
  running(h: LocalHandle, port: number): string | undefined {
    const f = this.#forwarders.get(keyOf(h.session, port))
    if (!f || f.exited || !sameHolder(f, h) || f.child === null) return undefined
    f.lastUsed = Date.now()
    return f.socketPath
  }

  /**
   * The socket that reaches `127.0.0.1:<port>` in the sandbox of `h`, starting its forwarder in the
   * sandbox's network namespace if none runs for that holder. Concurrent calls share one start. Throws
   * `LabgateError('unavailable')` when the holder is gone, `backend_failed` when the forwarder cannot start.
   */
  async socketFor(h: LocalHandle, port: number): Promise<string> {
    if (this.#closed) throw new LabgateError('backend_failed', 'the port forwarders are closed')
    const key = keyOf(h.session, port)
    for (let current = this.#forwarders.get(key); current; current = this.#forwarders.get(key)) {
      if (!current.exited && sameHolder(current, h)) {
        current.lastUsed = Date.now()
        await current.ready
        return current.socketPath
      }
      await this.#stop(current)
    }
    const socketPath = join(this.#o.runDir, h.session, `${port}.sock`)
    if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
      throw new LabgateError(
        'backend_failed',
        `forwarder socket path too long for a unix socket: ${socketPath}`,
      )
    }
    const f: Forwarder = {
      session: h.session,
      port,
      holder: { pid: h.childPid, startTime: h.startTime },
      socketPath,
      ready: Promise.resolve(),
      child: null,
      exited: false,
      lastUsed: Date.now(),
    }
    f.ready = this.#start(f, h)
    this.#forwarders.set(key, f)
    try {
      await f.ready
    } catch (e) {
      if (this.#forwarders.get(key) === f) this.#forwarders.delete(key)
      throw e
    }
    return socketPath
  }

  /** The pid of the running forwarder for (session, port), if any (for tests and diagnostics). */
  pidOf(session: string, port: number): number | undefined {
    const f = this.#forwarders.get(keyOf(session, port))
    return f && !f.exited ? f.child?.pid : undefined
  }

  /**
   * Stops every forwarder of `session` (and the connections they carry) and removes its socket
   * directory. Idempotent; resolves once they are gone.
   */
  async stopSession(session: string): Promise<void> {
    const mine = [...this.#forwarders.values()].filter((f) => f.session === session)
    await Promise.all(mine.map((f) => this.#stop(f)))
    await rm(join(this.#o.runDir, session), { recursive: true, force: true })
  }

  /** Stops every forwarder; later calls of {@link socketFor} throw. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true
    clearInterval(this.#sweeper)
    const sessions = new Set([...this.#forwarders.values()].map((f) => f.session))
    await Promise.all([...sessions].map((s) => this.stopSession(s)))
  }

  async #start(f: Forwarder, h: LocalHandle): Promise<void> {
    const dir = join(this.#o.runDir, f.session)
    await privateDir(this.#o.runDir, true)
    await privateDir(dir, false)
    await unlink(f.socketPath).catch(() => undefined)
    const stderrFile = join(dir, `${f.port}.log`)
    // The launcher opens the namespaces itself and refuses them once the holder is not that process any
    // more (a reused pid). Without root, the sandbox's user namespace (which labgate's uid owns) grants
    // the right to enter its network namespace.
    const files = [`/proc/${h.childPid}/ns/net`, ...(this.#asRoot ? [] : [`/proc/${h.childPid}/ns/user`])]
    let child: LaunchedProcess
    try {
      child = await this.#launcher.spawnDaemon({
        file: this.#o.nsenterPath ?? '/usr/bin/nsenter',
        args: this.#args(f.port, !this.#asRoot, { uid: h.uid, gid: h.gid ?? h.uid }),
        env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
        cwd: dir,
        stderrFile,
        files,
        owner: { pid: h.childPid, startTime: h.startTime },
        // socat forks per connection: its processes count against the session's limits.
        cgroups: cgroupsOf(h),
      })
    } catch (e) {
      if (!(await isAlive(h.childPid, h.startTime))) throw sandboxGone(h.session)
      throw new LabgateError(
        'backend_failed',
        `forwarder for ${f.session} port ${f.port} did not start: ${(e as Error).message}`,
      )
    }
    f.child = child
    const exited = child.exit.then(() => {
      f.exited = true
    })
    void exited.then(() => {
      if (this.#forwarders.get(keyOf(f.session, f.port)) === f)
        this.#forwarders.delete(keyOf(f.session, f.port))
    })
    if (!(await waitForSocket(f.socketPath, exited, 5000))) {
      killGroup(child.pid, 'SIGKILL')
      const stderr = (await readFile(stderrFile, 'utf8').catch(() => '')).slice(0, 4096).trim()
      throw new LabgateError(
        'backend_failed',
        `forwarder for ${f.session} port ${f.port} did not start${stderr ? `: ${stderr}` : ''}`,
      )
    }
  }

  #args(port: number, joinUserns: boolean, sandboxIds: { uid: number; gid: number }): string[] {
    const children = Math.max(1, Math.floor(this.#o.maxConnections ?? DEFAULT_MAX_CONNECTIONS))
    // socat forks a process per connection: bounded, so that a flood of connections is not one of processes.
    const listen = [
      `UNIX-LISTEN:${port}.sock`,
      'fork',
      `max-children=${children}`,
      'mode=600',
      'unlink-early',
    ]
    if (this.#asRoot) {
      const ids = this.#o.connectionIds ?? sandboxIds
      listen.push(`setgid=${ids.gid}`, `setuid=${ids.uid}`)
    }
    return [
      '--net=/proc/self/fd/3',
      ...(joinUserns ? ['--user=/proc/self/fd/4', '--preserve-credentials'] : []),
      '--',
      this.#o.setprivPath ?? '/usr/bin/setpriv',
      '--pdeathsig',
      'KILL',
      ...(this.#asRoot ? ['--clear-groups'] : []),
      '--',
      this.#o.socatPath ?? '/usr/bin/socat',
      listen.join(','),
      `TCP:127.0.0.1:${port}`,
    ]
  }

  async #stop(f: Forwarder): Promise<void> {
    const key = keyOf(f.session, f.port)
    if (this.#forwarders.get(key) === f) this.#forwarders.delete(key)
    await f.ready.catch(() => undefined)
    const child = f.child
    if (child && !f.exited) {
      killGroup(child.pid, 'SIGTERM')
      const timer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), 2000)
      await child.exit
      clearTimeout(timer)
      // Forked connection processes share the listener's process group: take any that linger with it.
      killGroup(child.pid, 'SIGKILL')
    }
    await unlink(f.socketPath).catch(() => undefined)
  }

  async #sweep(): Promise<void> {
    const now = Date.now()
    const idleMs = this.#o.idleMs ?? 10 * 60_000
    for (const f of [...this.#forwarders.values()]) {
      try {
        if (!(await isAlive(f.holder.pid, f.holder.startTime))) {
          await this.stopSession(f.session)
        } else if (now - f.lastUsed > idleMs) await this.#stop(f)
      } catch (e) {
        this.#o.log?.(`app forwarder of ${f.session}: ${(e as Error).message}`)
      }
    }
  }
}

const keyOf = (session: string, port: number) => `${session}\0${port}`

const sameHolder = (f: Forwarder, h: LocalHandle) =>
  f.holder.pid === h.childPid && f.holder.startTime === h.startTime

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {
    // Already gone.
  }
}

/** Creates `dir` (0700) unless it exists; refuses anything but a directory labgate owns, and tightens it. */
async function privateDir(dir: string, recursive: boolean): Promise<void> {
  await mkdir(dir, { recursive, mode: 0o700 }).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e
  })
  const st = await lstat(dir)
  if (!st.isDirectory() || st.uid !== process.getuid?.()) {
    throw new Error(`${dir} must be a directory owned by labgate`)
  }
  if ((st.mode & 0o777) !== 0o700) await chmod(dir, 0o700)
}

/** Resolves true once a unix socket exists at `path`, false when `exited` settles first or time runs out. */
async function waitForSocket(path: string, exited: Promise<void>, timeoutMs: number): Promise<boolean> {
  let done = false
  void exited.then(() => (done = true))
  const deadline = Date.now() + timeoutMs
  for (let wait = 1; Date.now() < deadline; wait = Math.min(wait * 2, 50)) {
    const st = await lstat(path).catch(() => null)
    if (st?.isSocket()) return true
    if (done) return false
    await new Promise((r) => setTimeout(r, wait))
  }
  return false
}
