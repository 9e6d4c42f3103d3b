import { LabgateError } from '../../../domain/errors.js'
import type { PtySize } from '../../backend.js'
import type { SpawnSandboxOptions } from '../spawn-sandbox.js'

/** How a launched process ended: its exit code, or the signal that killed it. */
export interface ExitStatus {
  code: number | null
  signal: string | null
}

/**
 * Cgroup directories (v1 or v2, one per hierarchy) a launched process joins before its program's first
 * instruction, so that it and everything it forks run inside the session's limits. A process that cannot
 * join does not start.
 */
export interface InCgroups {
  cgroups?: string[]
}

/** A session's home filesystem, for a launcher to mount where only its sandbox sees it. */
export interface HomeMount {
  /** The block (loop) device holding an ext4 filesystem. */
  device: string
  /** Where the sandbox's bind mounts expect the home (the host path bwrap binds on `/home/lab`). */
  dir: string
  /** Owner of the filesystem's root (mode 0700). */
  uid: number
  gid: number
}

/** What {@link ProcessLauncher.startSandbox} needs: bwrap's options, plus the cgroups to put bwrap in. */
export interface SandboxLaunch extends Omit<SpawnSandboxOptions, 'onSpawn'>, InCgroups {
  /**
   * Only for launchers with {@link ProcessLauncher.mountsHomes}: bwrap starts in a mount namespace of its
   * own with this home mounted, so the host's mount table never holds it and it goes with the sandbox.
   */
  home?: HomeMount
  /**
   * Only for launchers with {@link ProcessLauncher.mountsHomes}: a directory where bwrap finds a devpts
   * instance of the sandbox's own, mounted the same way (in the sandbox's mount namespace only).
   */
  devpts?: string
}

/** What {@link ProcessLauncher.spawnOnTerminal} needs. */
export interface TerminalLaunch extends InCgroups {
  /** Absolute path of the program (nsenter); run with exactly `env` and cwd `/`. */
  file: string
  args: string[]
  env: Record<string, string>
  /** Path of a pty's slave side (`/dev/pts/N`): the process's stdin, stdout, stderr and controlling terminal. */
  tty: string
}

/**
 * A running sandbox that a launcher enters itself, without nsenter: it joins the namespaces of the
 * sandbox's pid 1 (its own pid namespace included, so nothing stays between the launcher and the program),
 * drops to uid/gid, and installs the seccomp program before the exec. Needs root.
 */
export interface SandboxEntry {
  /** Host pid of the sandbox's pid 1, and its start time (field 22 of /proc/<pid>/stat), checked on entry. */
  pid: number
  startTime: number
  /** The program's uid and gid inside the sandbox. */
  uid: number
  gid: number
  /** The sandbox's seccomp program (classic BPF, as bwrap's `--seccomp` reads it); none when absent. */
  seccompFile?: string
}

/**
 * What {@link ProcessLauncher.openPty} needs: a terminal program, as for `spawnOnTerminal`, and the pty's
 * size. With `sandbox`, `file` is a program inside that sandbox (looked up on the PATH of `env`), run in
 * the working directory of the sandbox's pid 1.
 */
export interface PtyLaunch extends Omit<TerminalLaunch, 'tty'> {
  size: PtySize
  sandbox?: SandboxEntry
}

/**
 * A terminal whose pty the launcher's helper opened and holds: its program's output, input and control
 * travel over the helper's one channel, so this process holds no descriptor for it. Listeners are called
 * in the order the helper saw things happen; every method is safe to call once it closed (it does nothing).
 */
export interface HeldPty {
  /** The program, once it runs; rejects with `backend_failed` when it cannot start (the pty is closed). */
  readonly started: Promise<LaunchedProcess>
  onOutput(listener: (data: Buffer) => void): void
  /** Input bytes the pty has taken since it opened (written to it, or dropped by `discard`), in all. */
  onTaken(listener: (total: number) => void): void
  /** Called once: every holder of the terminal is gone, `close` was called, or the helper died. */
  onClosed(listener: () => void): void
  input(data: Buffer): void
  resize(cols: number, rows: number): void
  /** Stops reading the program's output (it blocks once the pty's buffer is full) until `resume`. */
  pause(): void
  resume(): void
  /** Drops the input the pty has not taken. */
  discard(): void
  /** Hangs the terminal up: closes the pty's master side. */
  close(): void
}

/** What {@link ProcessLauncher.spawnDaemon} needs. */
export interface DaemonLaunch extends InCgroups {
  /** Absolute path of the program; run with exactly `env`, in `cwd`. */
  file: string
  args: string[]
  env: Record<string, string>
  cwd: string
  /** Receives the process's stderr (created 0600, or truncated); stdin and stdout are /dev/null. */
  stderrFile: string
  /** Opened read-only by the launcher and given to the process as descriptors 3, 4, ... in this order. */
  files: string[]
  /**
   * When set, `files` are used only if this process (same pid, same start time) still runs once they are
   * open, so that paths under `/proc/<pid>/` of a pid reused meanwhile are refused.
   */
  owner?: { pid: number; startTime: number }
}

/** A process a launcher started. `exit` settles once it has been reaped (never rejects). */
export interface LaunchedProcess {
  pid: number
  /** The exit status, or null when the launcher lost track of it (its helper process died). */
  exit: Promise<ExitStatus | null>
}

/**
 * Starts the host processes of the local backend: sandboxes (bubblewrap) and terminal shells (nsenter on a
 * pty). It exists so that process creation can leave labgate's event loop: forking a large Node process
 * blocks it for milliseconds (tens of them on some virtual machines), and a helper process keeps that off
 * every request. Implementations share the conformance suite in `launcher.conformance.ts`.
 *
 * Every process gets exactly the file descriptors its request names: nothing else of labgate's leaks into
 * a sandbox.
 */
export interface ProcessLauncher {
  /**
   * Starts bwrap as {@link spawnSandbox} does and resolves once the sandbox is ready, with `childPid` the
   * sandbox's pid 1, and `pid` and `exit` bwrap's own process; or, for a launcher that
   * {@link releasesBwrap}, the pid 1's (`pid` equals `childPid`). Rejects with `backend_failed` (quoting
   * bwrap's stderr) when it is not ready; nothing it started is left running then.
   */
  startSandbox(opts: SandboxLaunch): Promise<LaunchedProcess & { childPid: number }>
  /**
   * True when `startSandbox` lets bwrap's own process go once the sandbox runs (it only waits for the pid 1
   * then: a process and its memory per sandbox). The pid 1 becomes the launcher's helper's child, which
   * reaps it and reports its exit.
   */
  readonly releasesBwrap?: boolean
  /**
   * Runs `file` in a new session whose controlling terminal is the pty slave `tty`. Resolves once the
   * process exists; rejects with `backend_failed` when it cannot be started (missing program, bad tty).
   */
  spawnOnTerminal(opts: TerminalLaunch): Promise<LaunchedProcess>
  /**
   * Runs `file` in a new session (its own process group, so it can be signalled as a group) with the
   * descriptors `opts` names. Resolves once the process exists; rejects with `backend_failed` when it
   * cannot be started or the owner is gone.
   */
  spawnDaemon(opts: DaemonLaunch): Promise<LaunchedProcess>
  /**
   * True when `startSandbox` mounts a {@link SandboxLaunch.home} and a {@link SandboxLaunch.devpts} in the
   * sandbox's own mount namespace; others reject a launch with either.
   */
  readonly mountsHomes?: boolean
  /**
   * Optional: opens a pty in the launcher's helper, which keeps its master, and runs a program on it as
   * `spawnOnTerminal` does, or inside a {@link PtyLaunch.sandbox}. Returned at once; input given before
   * the program runs waits. Launchers without it leave the pty to their caller (`spawnOnTerminal`).
   */
  openPty?(opts: PtyLaunch): HeldPty
  /** Releases the launcher's resources; processes it started keep running (terminals it held are hung up). Idempotent. */
  close(): Promise<void>
}

/** A launcher's answer to a launch with a {@link SandboxLaunch.home} it cannot mount. */
export function cannotMountHomes(): LabgateError {
  return new LabgateError(
    'backend_failed',
    'this launcher cannot mount a home in a sandbox; mount it on the host',
  )
}
