/**
 * Where a session's sandbox runs, and the only way into it. Implementations: `local` (bubblewrap),
 * `kubernetes` (Pods), `slurm` (batch jobs, beside the others: `with-placements.ts`), `fake` (tests), and `remote` (reservations on remote lab systems, beside either:
 * `with-remote-labs.ts`). Every sandbox backend passes `test/conformance/backend.suite.ts` (the remote
 * one, which starts no sandbox, passes it beside the fake one); `README.md` beside this file states the
 * contract.
 */
import type { RemoteLabSystem, SlurmPlacement } from '../config/types.js'
import type { SandboxHandle } from '../domain/types.js'

/** Where every backend puts a sandbox's home, as its programs see it (`HOME`). */
export const SANDBOX_HOME = '/home/lab'

/** What the broker asks a backend to start. */
export interface SandboxSpec {
  /** The session's name, `<portal>-wNN-sNNN`; unique forever, safe as a path segment. */
  session: string
  /** The workshop's name. */
  workshop: string
  /**
   * The workshop's container image (Educates' `spec.workshop.image`), for a backend that runs images (the
   * `kubernetes` one, which otherwise runs its configured default); others ignore it.
   */
  image?: string
  /** Environment variables for everything that runs in the sandbox (request parameters, workshop env). */
  env: Record<string, string>
  /** Resource limits; a backend applies what the machine allows and reports the rest in `SandboxInfo.warnings`. */
  limits?: { memoryBytes?: number; pids?: number; cpus?: number }
  /** Network policy: `none` (no interfaces but loopback, the default), or `host`. */
  network?: 'none' | 'host'
  /**
   * A host directory to be the sandbox's home instead of a home of the session's own (a workspace). The
   * backend neither creates, resizes nor deletes it (`stop` with `purge` leaves it), and runs the sandbox
   * as `owner` (the uid and gid that own its files; never 0). Default: the session's own home.
   */
  home?: { dir: string; owner: { uid: number; gid: number } }
  /**
   * The host owner the sandbox runs as instead of an identity of its own, when it mounts a directory of that
   * owner (a workspace, which it must be able to write); its own home is made for that owner. Never uid or
   * gid 0. Ignored with `home` (whose owner it runs as) and by a backend that cannot switch identities.
   */
  runAs?: { uid: number; gid: number }
  /**
   * More host directories bound into the sandbox at absolute `target` paths (a workspace under the home,
   * data roots read-only at their own paths). Sources must be existing directories.
   */
  mounts?: { source: string; target: string; readOnly: boolean }[]
  /**
   * The sandbox's main program, run in the home instead of an idle holder: the sandbox ends when it exits
   * (`observe` then says `gone`). Its stdin, stdout and stderr are /dev/null: the program redirects its own
   * output. Default: the idle holder, which runs until `stop`.
   */
  command?: string[]
  /**
   * Not a sandbox but a reservation on a remote lab system (gateway4labs' HTTP plug-in protocol): only the
   * `remote` backend takes such a spec (`withRemoteLabs` sends it there). The user goes to the reservation's
   * `loadUrl` (in the handle) instead of a dashboard.
   */
  remoteLab?: RemoteLabSpec
  /**
   * Where to run the sandbox when not on the portal's own backend: a batch job on a Slurm cluster (the
   * workshop's or job type's `backend: slurm`). Only the `slurm` backend takes such a spec
   * (`withPlacements` sends it there); others ignore it.
   */
  placement?: SlurmPlacement
}

/** What a remote lab system is asked to reserve, and for whom. */
export interface RemoteLabSpec {
  system: RemoteLabSystem
  /** The system's `laboratory_id`. */
  laboratory: string
  /** labgate's user id of the session's owner. */
  username: string
  /** Where the user comes from (the LMS's name, or the portal's). */
  institution: string
  /** Where the lab's "back" goes (the session's index URL), when known. */
  back?: string
}

/** The persisted handle of a started sandbox (see `domain/types.ts`); the backend owns its shape. */
export type { SandboxHandle, SlurmPlacement }

/** What `observe` sees. `gone` covers "never existed", "exited" and "reaped". */
export type SandboxStatus =
  | { state: 'starting' }
  | { state: 'running' }
  /** `failed`: the backend knows the sandbox ended in failure (a Slurm job FAILED, its node failed). */
  | { state: 'gone'; reason?: string; failed?: boolean }

export interface SandboxInfo {
  handle: SandboxHandle
  /** Limits that were asked for but could not be applied on this machine. */
  warnings: string[]
}

/** A terminal's size in character cells. */
export interface PtySize {
  cols: number
  rows: number
}

/**
 * A process running on a pseudo-terminal inside a sandbox, as {@link SessionBackend.exec} returns it: the
 * part of a node-pty `IPty` a terminal drives. Output is bytes (a string only from test doubles that have
 * no bytes to give). Every method is safe to call after the process exited: it then does nothing.
 */
export interface PtyLike {
  onData(listener: (data: Buffer | string) => void): unknown
  /** Called once, after the process ended and its output was delivered. `signal` is a signal number. */
  onExit(listener: (e: { exitCode: number; signal?: number }) => void): unknown
  write(data: string): void
  resize(cols: number, rows: number): void
  /** Signals the process (and whatever stands between labgate and it). Must not throw when it is gone. */
  kill(signal?: string): void
  /** Stops delivering output until {@link resume} (the process blocks once the pty's buffer is full). */
  pause(): void
  resume(): void
  /**
   * Bytes given to {@link write} that the terminal has not taken yet (its program is not reading). Optional:
   * without it, input counts as taken at once. A pty with it must bound what it keeps (dropping the excess).
   */
  pendingInput?(): number
  /** Calls `listener` with {@link pendingInput} each time the terminal took some of the pending input. */
  onInputTaken?(listener: (pending: number) => void): unknown
  /** Drops the pending input (its program does not read it) and returns how many bytes that was. */
  discardInput?(): number
}

/** What {@link SessionBackend.exec} runs. */
export interface ExecOptions {
  /** The command; default: the sandbox's login shell (the backend picks it, e.g. `bash -l`, else `sh -l`). */
  argv?: string[]
  /** Added to (and overriding) the sandbox's environment. The backend sets `TERM` and `HOME` itself. */
  env: Record<string, string>
  /** The pty's initial size. */
  pty: PtySize
}

/**
 * Where labgate dials a port inside a sandbox: a unix socket, or a TCP address. Either goes straight into
 * an `http.request`'s options.
 */
export type SandboxEndpoint = { socketPath: string } | { host: string; port: number }

export interface SessionBackend {
  /** The backend's name as used in config and in handles (`local`, `fake`, ...). */
  readonly name: string
  /**
   * Starts a sandbox and resolves once it is up (a process exists that a terminal can join).
   * Rejects with a `LabgateError('backend_failed')` when it cannot start; leaves nothing behind then.
   */
  start(spec: SandboxSpec): Promise<SandboxInfo>
  /** Reports the sandbox's state. Never throws for "not found": that is `{state: 'gone'}`. */
  observe(handle: SandboxHandle): Promise<SandboxStatus>
  /**
   * Stops the sandbox and everything running in it (what `exec` started, what `connect` set up); resolves
   * when it is gone. Idempotent: stopping a sandbox that is already gone resolves. `purge` also deletes
   * the session's files.
   */
  stop(handle: SandboxHandle, opts?: { purge?: boolean }): Promise<void>
  /**
   * Stops every sandbox of this backend's that runs but that none of `known` (the handles the store
   * records) names: one whose start a crash cut off before its handle was stored, or one of a session
   * that ended meanwhile. Found from the machine, not from any record. Then deletes the files of every
   * session not in `sessions` (the visible sessions' names), which a stop cut short left behind. Call it
   * only while no start is under way (labgate's start-up). Resolves with how many sandboxes it stopped.
   * Optional: a backend without it cannot lose track of a sandbox.
   */
  sweep?(known: SandboxHandle[], sessions: string[]): Promise<number>
  /**
   * Runs `opts.argv` (default: a login shell) on a new pty inside the running sandbox, as the sandbox's
   * unprivileged user, in its home, with the sandbox's environment plus `opts.env`, `TERM=xterm-256color`
   * and `HOME` set to the home. Returns at once: input written before the process runs waits in the pty.
   *
   * Throws `LabgateError('unavailable')` when `handle` names no running sandbox of this backend (stopped,
   * crashed, malformed, another backend's). A failure found only once the process is being started (the
   * sandbox went meanwhile) is shown in the pty and reported as an exit with status 1.
   *
   * The caller owns the returned process: it ends it with `kill` (SIGHUP, then SIGKILL). Stopping the
   * sandbox ends it too, and it then reports its exit. Optional: a backend without it has no terminals.
   */
  exec?(handle: SandboxHandle, opts: ExecOptions): PtyLike
  /**
   * Makes TCP port `port` on the sandbox's loopback reachable from labgate and resolves with where to dial
   * it. An address, not a connected socket: the app proxy keeps idle connections per address in an HTTP
   * agent and reuses them, so a request costs one `connect` call (once set up, a lookup and a check that
   * the sandbox still runs) and, on a kept connection, no new connection and no new process. A backend
   * that reaches ports through a stream of its own (an API server's port-forward) serves that stream on a
   * unix socket and returns its path. Call it again for every request: it is what notices a gone sandbox.
   *
   * Dialing a port nothing listens on fails as a closed port does (the connection is refused, or closed
   * before any answer): `connect` itself need not know. Rejects with `LabgateError('unavailable')` when
   * `handle` names no running sandbox of this backend, and with `backend_failed` when the sandbox runs but
   * its network cannot be reached.
   *
   * The backend owns what it sets up for this (forwarders, sockets): it reuses it across calls and removes
   * it when the sandbox stops, when it is left unused, and on {@link close}. Optional: a backend without it
   * has no web apps.
   */
  connect?(handle: SandboxHandle, port: number): Promise<SandboxEndpoint>
  /**
   * Releases resources the backend holds in labgate's process (watchers, timers, forwarders). Sandboxes keep
   * running.
   */
  close?(): Promise<void>
  /**
   * True when `handle` names a sandbox of this backend (one it can observe, stop, exec into). Optional:
   * without it, a handle is this backend's when its `backend` is this backend's {@link name}; a backend
   * that routes to others (`withRemoteLabs`, `withPlacements`) answers for them too. See {@link ownsHandle}.
   */
  owns?(handle: SandboxHandle): boolean
}

/** True when `handle` names a sandbox of `backend` (see {@link SessionBackend.owns}). */
export function ownsHandle(backend: SessionBackend, handle: SandboxHandle): boolean {
  return backend.owns ? backend.owns(handle) : handle.backend === backend.name
}

/** A backend that runs processes in its sandboxes (what terminals need). */
export type ExecBackend = Pick<Required<SessionBackend>, 'exec'>

/** True when `backend` implements {@link SessionBackend.exec}. */
export function canExec<B extends SessionBackend>(backend: B): backend is B & ExecBackend {
  return typeof backend.exec === 'function'
}
