import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process'
import { mkdir, stat } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { join, resolve } from 'node:path'
import { LabgateError } from '../../domain/errors.js'
import type {
  ExecOptions,
  PtyLike,
  SandboxEndpoint,
  SandboxHandle,
  SandboxInfo,
  SandboxSpec,
  SandboxStatus,
  SessionBackend,
} from '../backend.js'
import {
  HOLDER_COMMAND,
  SANDBOX_HOME,
  SANDBOX_INNER_ID,
  mainCommand,
  bwrapArgs,
  hostRootEntries,
  sandboxEnv,
  type RootEntry,
} from './bwrap-args.js'
import { cgroupInstance } from './cgroup-files.js'
import { SandboxCgroups } from './cgroup.js'
import { inCgroups } from './cgroup-exec.js'
import { nsenterArgs, sandboxEnvOf, splitHostEnv } from './exec.js'
import { cgroupsOf, isSafeSessionName, parseLocalHandle, type LocalHandle } from './handle.js'
import { DEFAULT_BWRAP, DEFAULT_NSENTER, assertToolsInstalled } from './prerequisites.js'
import { childPids, isAlive, isAliveSync, readProcStat, waitGone, type ProcStat } from './proc.js'
import { checkExternalHome, checkMounts, checkOwner } from './external-dirs.js'
import {
  createSessionDir,
  createSessionFiles,
  homeDir,
  identityFiles,
  prepareDataDir,
  removeSessionFiles,
  sessionDir,
} from './session-files.js'
import { HomeImages, homeImagesUnavailable, type AttachedHome } from './home-images.js'
import { hostEtcEntries } from './etc-entries.js'
import { prepareEtcView, type EtcView } from './etc-view.js'
import { SessionUids, type UidRange } from './session-uids.js'
import { HelperLauncher } from './launcher/helper-launcher.js'
import type { ExitStatus, ProcessLauncher } from './launcher/launcher.js'
import { PortForwarders, type PortForwardersOptions } from './port-forwarders.js'
import { createLockFile, findSandboxes, sandboxLockArgs, strayHandles } from './sandbox-lock.js'
import { initBwrapArgs, initCommand, installSandboxInit } from './sandbox-init.js'
import { writeSandboxEnvFile } from './sandbox-env-file.js'
import { removeStaleSessionFiles } from './stale-files.js'
import { unfinishedSandboxPids } from './unfinished.js'
import { LOGIN_SHELL, openSandboxPty } from './sandbox-pty.js'
import { sandboxHardening, type SandboxHardening } from './seccomp/sandbox-seccomp.js'
import { INFO_FD, SECCOMP_FD } from './spawn-sandbox.js'
import { StartSlots } from './start-slots.js'

/** Options of {@link LocalBackend}; only `dataDir` is required. */
export interface LocalBackendOptions {
  /** labgate's data directory; homes live in `<dataDir>/sessions/<session>/home`. */
  dataDir: string
  /** Default `/usr/bin/bwrap`. */
  bwrapPath?: string
  /**
   * Whether each sandbox's pid 1 is labgate-init (when built; default) rather than bubblewrap's init and
   * a holder shell: one process fewer a sandbox.
   */
  sandboxInit?: boolean
  /** Default `/usr/bin/nsenter`. */
  nsenterPath?: string
  /** Host uid and gid sandboxes run as when labgate is root (default 65534, "nobody"). Ignored otherwise. */
  sandboxUid?: number
  sandboxGid?: number
  /**
   * When labgate is root: give each session its own host uid (and the gid of the same number) from this
   * reserved range instead of `sandboxUid` (see {@link SessionUids}). Default: none, every sandbox runs as
   * `sandboxUid`. `labgate serve` sets it from `sandbox.uids`.
   */
  sandboxUidRange?: UidRange
  /**
   * Size of each session's home, bytes: the home is then its own loop-mounted filesystem of that size (see
   * {@link HomeImages}; needs root and loop devices, else a warning is logged once and homes stay plain
   * directories). Default 0: plain directories on the data filesystem. `labgate serve` sets it from
   * `sandbox.disk`.
   */
  homeSize?: number
  /** Formatted home images kept ready (default 2; see {@link HomeImagesOptions.spares}). */
  homeSpares?: number
  /** Size of each sandbox's `/tmp` (which `/dev/shm` shares), bytes. Default: the kernel's (half the RAM). */
  tmpSize?: number
  /**
   * Give each sandbox a private devpts (`/dev/pts`, so tmux or `script` work inside). Needs root, because
   * bwrap then nests a second user namespace that only root can join for {@link LocalBackend.exec}. Default:
   * true when labgate runs as root.
   */
  devpts?: boolean
  /** How long `start` waits for a sandbox before giving up (default 10 s). */
  startTimeoutMs?: number
  /** How long `stop` waits for a killed sandbox to disappear (default 5 s). */
  stopTimeoutMs?: number
  /**
   * Parent cgroup v2 directory for session cgroups, v2 only (default: detected: v2 where delegated, else
   * cgroup v1 per controller, under labgate's own cgroups).
   */
  cgroupParent?: string
  /**
   * What starts sandboxes and terminal shells (default: a {@link HelperLauncher}, a helper process started
   * now, so that no fork blocks labgate's event loop). {@link close} closes it.
   */
  launcher?: ProcessLauncher
  /**
   * How many sandboxes may be set up at once (default: twice the CPUs); further starts wait
   * their turn. Setup is CPU-bound kernel work: more at once only slows everything, labgate included.
   */
  maxConcurrentStarts?: number
  /**
   * How {@link LocalBackend.connect} forwards ports (see {@link PortForwarders}). Default `runDir`:
   * `<dataDir>/run`; the tools default to `/usr/bin`'s.
   */
  forwarders?: Partial<Omit<PortForwardersOptions, 'launcher' | 'log' | 'nsenterPath'>>
  /**
   * Put every sandbox, and every command entering one, under the seccomp deny list of
   * `seccomp/deny-list.ts` (default true).
   */
  seccomp?: boolean
  log?: (msg: string) => void
}

/** Options of {@link LocalBackend.spawn}. */
export interface LocalExecOptions {
  /** Added to (and overriding) the sandbox's environment. */
  env?: Record<string, string>
  /** Working directory inside the sandbox (default: the home, /home/lab). */
  cwd?: string
  /** stdio of the nsenter process (default: three pipes). */
  stdio?: StdioOptions
}

/** An nsenter command line into a sandbox, and what to do once it runs. */
interface LocalExecCommand {
  file: string
  args: string[]
  /** The whole environment to spawn `file` with (host-safe: see `splitHostEnv`). */
  env: Record<string, string>
  /** Puts the spawned process into the sandbox's cgroups (when it has some). Never throws. */
  adopt(pid: number): void
  /** The sandbox's cgroups, which the process must join before `file` runs. */
  cgroups: string[]
}

/** How often the sandboxes' prepared /etc is compared with the host's entries, at most. */
const ETC_VIEW_CHECK_MS = 60_000

/**
 * The `local` backend: one bubblewrap sandbox per session on this machine, as described in
 * docs "The local backend". Sandboxes are detached from labgate: they survive its exit and restart, and a new
 * instance re-attaches through the persisted {@link LocalHandle}.
 *
 * The constructor throws `backend_failed` when bwrap or nsenter is missing (naming the package to install)
 * and `config_invalid` when the sandbox uid cannot reach the data directory.
 */
export class LocalBackend implements SessionBackend {
  readonly name = 'local'
  readonly #dataDir: string
  readonly #bwrapPath: string
  readonly #nsenterPath: string
  readonly #asRoot: boolean
  readonly #ids: { uid: number; gid: number }
  /** Per-session uids, when a range is configured and labgate is root. */
  readonly #uids: SessionUids | null
  /** Mounts and unmounts home images (whenever labgate is root and loop devices work). */
  readonly #homes: HomeImages | null
  readonly #homeSize: number
  readonly #tmpSize: number | undefined
  /** labgate-init's copy in the data directory, the sandboxes' pid 1; null: bubblewrap's init. */
  readonly #init: string | null
  readonly #devpts: boolean
  readonly #startTimeoutMs: number
  readonly #stopTimeoutMs: number
  readonly #log: (msg: string) => void
  readonly #rootEntries: RootEntry[]
  /** The sandboxes' prepared /etc, and when the host's entries were last compared with it. */
  #etcView: { view: EtcView | undefined; checkedAt: number } | null = null
  #etcViewCheck: Promise<void> | null = null
  readonly #cgroups: SandboxCgroups
  readonly #launcher: ProcessLauncher
  readonly #startSlots: StartSlots
  readonly #forwarders: PortForwarders
  readonly #hardening: SandboxHardening
  /** bwrap processes this instance started, by sandbox pid 1, so `stop` can wait until they are reaped. */
  readonly #spawned = new Map<number, Promise<ExitStatus | null>>()
  #closed = false

  constructor(opts: LocalBackendOptions) {
    this.#dataDir = resolve(opts.dataDir)
    this.#bwrapPath = opts.bwrapPath ?? DEFAULT_BWRAP
    this.#nsenterPath = opts.nsenterPath ?? DEFAULT_NSENTER
    this.#log = opts.log ?? ((msg) => console.warn(msg))
    this.#asRoot = process.getuid?.() === 0
    this.#ids = this.#asRoot
      ? { uid: opts.sandboxUid ?? 65534, gid: opts.sandboxGid ?? 65534 }
      : { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 }
    if (this.#asRoot && (this.#ids.uid === 0 || this.#ids.gid === 0)) {
      throw new LabgateError(
        'config_invalid',
        'the local backend never runs sandboxes as root (sandboxUid 0)',
      )
    }
    this.#devpts = opts.devpts ?? this.#asRoot
    if (this.#devpts && !this.#asRoot) {
      throw new LabgateError('config_invalid', 'devpts: true needs labgate to run as root')
    }
    this.#startTimeoutMs = opts.startTimeoutMs ?? 10_000
    this.#stopTimeoutMs = opts.stopTimeoutMs ?? 5_000
    assertToolsInstalled(this.#bwrapPath, this.#nsenterPath)
    const range = this.#asRoot ? opts.sandboxUidRange : undefined
    // Every uid of the range stands in the same relation to the data directory ("others"), so the first
    // one is checked for all.
    prepareDataDir(this.#dataDir, range?.first ?? this.#ids.uid, range?.first ?? this.#ids.gid, this.#log)
    this.#uids = range ? new SessionUids(this.#dataDir, range) : null
    if (!this.#asRoot && opts.sandboxUidRange) {
      this.#log(`warning: sandboxes share labgate's uid: per-session uids (sandbox.uids) need root`)
    }
    this.#tmpSize = opts.tmpSize || undefined
    this.#init = opts.sandboxInit === false ? null : installSandboxInit(this.#dataDir)
    this.#rootEntries = hostRootEntries()
    // Begun now, so that the sandboxes started at boot (the reserves) find it made or nearly.
    void this.#checkEtcView()
    this.#hardening = sandboxHardening({
      dir: this.#dataDir,
      bwrapPath: this.#bwrapPath,
      asRoot: this.#asRoot,
      seccomp: opts.seccomp ?? true,
      log: this.#log,
    })
    this.#cgroups = new SandboxCgroups({
      log: this.#log,
      parent: opts.cgroupParent,
      // Two labgates on one machine (data directories) share v1 hierarchies: keep their cgroups apart.
      instance: cgroupInstance(this.#dataDir),
    })
    // Detect now (v2 may move labgate's processes into a leaf), not on the first session's start.
    void this.#cgroups.support()
    this.#startSlots = new StartSlots(opts.maxConcurrentStarts ?? 2 * availableParallelism())
    if (opts.launcher) this.#launcher = opts.launcher
    else {
      const launcher = new HelperLauncher()
      launcher.start()
      this.#launcher = launcher
    }
    this.#forwarders = new PortForwarders({
      runDir: join(this.#dataDir, 'run'),
      ...opts.forwarders,
      nsenterPath: this.#nsenterPath,
      launcher: this.#launcher,
      log: this.#log,
    })
    const noImages = homeImagesUnavailable()
    this.#homeSize = noImages ? 0 : (opts.homeSize ?? 0)
    if (noImages && opts.homeSize) {
      this.#log(`warning: session homes have no size limit (sandbox.disk): ${noImages}`)
    }
    this.#homes = noImages
      ? null
      : new HomeImages({
          dataDir: this.#dataDir,
          size: this.#homeSize,
          launcher: this.#launcher,
          spares: opts.homeSpares,
          log: this.#log,
        })
    if (this.#homeSize > 0) this.#homes?.prepare()
  }

  /**
   * Starts the session's sandbox and resolves once its holder runs inside complete namespaces, its
   * environment recorded for {@link exec} and {@link spawn} (`sandbox-env-file.ts`). Limits the
   * machine cannot apply come back as warnings (the caller reports them). Rejects with `backend_failed` (bad session
   * name or environment, bwrap failure, timeout) after removing what it created.
   */
  async start(spec: SandboxSpec): Promise<SandboxInfo> {
    if (this.#closed) throw new LabgateError('backend_failed', 'the local backend is closed')
    if (!isSafeSessionName(spec.session)) {
      throw new LabgateError('backend_failed', `invalid session name ${JSON.stringify(spec.session)}`)
    }
    const env = sandboxEnv(spec)
    const external = spec.home ? await checkExternalHome(spec.home, this.#asRoot, this.#ids) : null
    const mounts = spec.mounts ?? []
    await checkMounts(mounts)
    const existed = await stat(sessionDir(this.#dataDir, spec.session)).then(
      () => true,
      () => false,
    )
    // A home from outside has its own owner: no per-session uid, no home of the session's own. A sandbox
    // that runs as the owner of what it mounts has its own home, made for that owner.
    const runAs = !external && spec.runAs ? checkOwner(spec.runAs, this.#asRoot, this.#ids, 'runAs') : null
    const uid = external || runAs ? undefined : this.#uids?.acquire(spec.session)
    const ids = external ?? runAs ?? (uid === undefined ? this.#ids : { uid, gid: uid })
    const { dir, home } =
      spec.home && external
        ? { dir: await createSessionDir(this.#dataDir, spec.session), home: spec.home.dir }
        : await createSessionFiles(this.#dataDir, spec.session, ids.uid, ids.gid)
    // A sandbox of this session still running was started by a start a crash cut off: never two. Stopped
    // before the home is mounted, because stopping a sandbox unmounts its home.
    await this.#stopStrays(await findSandboxes(this.#dataDir, spec.session), [])
    // The home image: mounted by the launcher where only the sandbox sees it when the launcher can (the
    // host's mount table, which every sandbox start reads, then stays as small as it is; see below), else
    // on the host, here.
    const imageHome = this.#homeSize > 0 && !external ? this.#homes : null
    if (imageHome && !this.#launcher.mountsHomes) {
      await imageHome.mount(spec.session, home, ids.uid, ids.gid).catch(async (err: unknown) => {
        await this.#discardFiles(spec.session, existed)
        throw err
      })
    }
    const lock = await createLockFile(this.#dataDir, spec.session)
    // What exec and spawn give every command (the holder's own copy may not be readable yet).
    await writeSandboxEnvFile(this.#dataDir, spec.session, env).catch(async (err: unknown) => {
      await this.#discardFiles(spec.session, existed)
      const why = err instanceof Error ? err.message : String(err)
      throw new LabgateError('backend_failed', `cannot record the environment of ${spec.session}: ${why}`)
    })
    // The sandbox's own devpts, mounted by the launcher where only the sandbox sees it when it can: /dev is
    // then no filesystem of its own (each one costs the kernel memory in every memory cgroup).
    const devptsDir = this.#devpts && this.#launcher.mountsHomes ? join(dir, 'pts') : undefined
    if (devptsDir) await mkdir(devptsDir, { recursive: true, mode: 0o755 })
    const cgroup = await this.#cgroups.create(spec.session, spec.limits)
    const args = bwrapArgs({
      session: spec.session,
      home,
      env,
      network: spec.network ?? 'none',
      devpts: this.#devpts,
      devptsDir,
      rootEntries: this.#rootEntries,
      infoFd: INFO_FD,
      identity: identityFiles(this.#dataDir),
      etcView: await this.#currentEtcView(),
      seccompFd: this.#hardening.seccompFile ? SECCOMP_FD : undefined,
      disableUserns: this.#hardening.disableUserns,
      tmpSize: this.#tmpSize,
      mounts,
    })
    // The sandbox's pid 1 holds the session's lock while it runs (how a later start or sweep finds it):
    // labgate's own init when it was built, else bubblewrap's.
    args.unshift(...(this.#init ? initBwrapArgs(this.#init, lock) : sandboxLockArgs(lock)))
    let spawned
    let stats
    let attached: AttachedHome | undefined
    try {
      if (imageHome && this.#launcher.mountsHomes) attached = await imageHome.attach(home)
      const launch = {
        bwrapPath: this.#bwrapPath,
        args,
        command: this.#init
          ? initCommand(spec.command)
          : spec.command
            ? mainCommand(spec.command)
            : HOLDER_COMMAND,
        ids: this.#asRoot ? ids : undefined,
        logFile: join(dir, 'bwrap.log'),
        timeoutMs: this.#startTimeoutMs,
        seccompFile: this.#hardening.seccompFile,
        cgroups: cgroup.dirs,
        ...(attached ? { home: { device: attached.device, dir: home, uid: ids.uid, gid: ids.gid } } : {}),
        ...(devptsDir ? { devpts: devptsDir } : {}),
      }
      spawned = await this.#startSlots.run(() => this.#launcher.startSandbox(launch))
      stats = await Promise.all([readProcStat(spawned.pid), readProcStat(spawned.childPid)])
      if (!stats[0] || !stats[1]) {
        throw new LabgateError('backend_failed', `sandbox of ${spec.session} exited right after it started`)
      }
    } catch (err) {
      await this.#cgroups.remove(cgroup.dirs, spec.session)
      await this.#discardFiles(spec.session, existed)
      throw err
    } finally {
      // Mounted in the sandbox: the device goes with it. Not mounted: it goes now. (Off the start's path.)
      void attached?.release()
    }
    const { pid, childPid, exit } = spawned
    const [outer, inner] = stats as [ProcStat, ProcStat]
    if (cgroup.dirs.length > 0) {
      // Already inside from the launcher: this only makes sure.
      await this.#cgroups.attach(cgroup.dirs, [childPid, ...(await childPids(childPid))])
    }
    this.#spawned.set(childPid, exit)
    void exit.then(() => {
      if (this.#spawned.get(childPid) === exit) this.#spawned.delete(childPid)
    })
    const handle: LocalHandle = {
      backend: 'local',
      session: spec.session,
      pid,
      pidStartTime: outer.startTime,
      childPid,
      startTime: inner.startTime,
      home,
      ...(external ? { externalHome: true as const } : {}),
      uid: ids.uid,
      gid: ids.gid,
      ...(cgroup.dirs.length > 0 ? { cgroups: cgroup.dirs } : {}),
    }
    return { handle, warnings: cgroup.warnings }
  }

  /**
   * `running` while the sandbox's pid 1 (same pid, same start time) exists and is not a zombie; `gone`
   * otherwise, including for malformed handles. Never throws.
   */
  async observe(handle: SandboxHandle): Promise<SandboxStatus> {
    const h = parseLocalHandle(handle)
    if (!h) return { state: 'gone', reason: 'not a valid local sandbox handle' }
    const stat = await readProcStat(h.childPid)
    if (!stat) return { state: 'gone', reason: 'exited' }
    if (stat.startTime !== h.startTime) return { state: 'gone', reason: 'exited (pid reused)' }
    if (stat.state === 'Z' || stat.state === 'X') return { state: 'gone', reason: 'exited' }
    return { state: 'running' }
  }

  /**
   * SIGKILLs the sandbox's pid 1 (the kernel then kills every process in its pid namespace) and the outer
   * bwrap, and resolves once they are gone (and reaped, when this instance spawned them), with the
   * session's port forwarders. Idempotent; a
   * malformed handle resolves at once. `purge` then deletes `<dataDir>/sessions/<session>`. Rejects with
   * `backend_failed` if the sandbox is still there after `stopTimeoutMs`.
   */
  async stop(handle: SandboxHandle, opts: { purge?: boolean } = {}): Promise<void> {
    const h = parseLocalHandle(handle)
    if (!h) return
    const exited = this.#exitOf(h.childPid)
    if (await isAlive(h.childPid, h.startTime)) signal(h.childPid)
    if (!(await waitGone(h.childPid, h.startTime, this.#stopTimeoutMs))) {
      throw new LabgateError('backend_failed', `sandbox of ${h.session} (pid ${h.childPid}) survived SIGKILL`)
    }
    // The forwarders go once the sandbox has: their connections died with it, and stopping them first
    // would delay its end.
    await this.#forwarders.stopSession(h.session)
    // bwrap exits by itself once its child is dead; kill it only if it lingers.
    if (!(await waitGone(h.pid, h.pidStartTime, 50))) {
      signal(h.pid)
      await waitGone(h.pid, h.pidStartTime, this.#stopTimeoutMs)
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, this.#stopTimeoutMs).unref())])
    await this.#cgroups.remove(cgroupsOf(h), h.session)
    // An external home lives outside the session's directory: nothing here unmounts or deletes it.
    if (!h.externalHome) await this.#homes?.unmount(homeDir(this.#dataDir, h.session))
    if (opts.purge) {
      await removeSessionFiles(this.#dataDir, h.session)
      if (!h.externalHome) this.#uids?.release(h.session)
    }
  }

  /**
   * The port's {@link SessionBackend.sweep}: finds every sandbox of this data directory from the machine
   * (each holds its session's lock, see `sandbox-lock.ts`) and stops those that no handle in `known` names,
   * kills what is left of sandboxes whose setup never finished (`unfinished.ts`), then deletes the files (`<dataDir>/sessions/<s>`) and the empty cgroups of every session not in `sessions`. Call it only while
   * no start is under way (start-up). Resolves with how many sandboxes (or leftovers) it stopped; rejects with
   * `backend_failed` when one survives SIGKILL.
   */
  async sweep(known: SandboxHandle[], sessions: string[]): Promise<number> {
    const stopped = await this.#stopStrays(await findSandboxes(this.#dataDir), known)
    const keep = new Set(known.flatMap((k) => parseLocalHandle(k) ?? []).flatMap((h) => [h.pid, h.childPid]))
    const unfinished = await unfinishedSandboxPids(this.#dataDir, keep)
    for (const pid of unfinished) {
      this.#log(`local backend: killing ${pid}, left of a sandbox whose start never finished`)
      signal(pid)
    }
    const removed = await removeStaleSessionFiles(this.#dataDir, new Set(sessions))
    if (removed.length > 0) this.#log(`local backend: removed the files of ${removed.length} ended sessions`)
    const cgroups = await this.#cgroups.removeStale(new Set(sessions))
    if (cgroups > 0)
      this.#log(`local backend: removed ${cgroups} cgroups of sandboxes that ended without a stop`)
    return stopped + unfinished.length
  }

  async #stopStrays(found: Awaited<ReturnType<typeof findSandboxes>>, known: SandboxHandle[]) {
    const strays = strayHandles(found, known, { dataDir: this.#dataDir, uid: this.#ids.uid })
    for (const h of strays)
      this.#log(`local backend: stopping sandbox ${h.childPid} of ${h.session}: no session records it`)
    await Promise.all(strays.map((h) => this.stop(h)))
    return strays.length
  }

  /**
   * The port's {@link SessionBackend.exec}: a pty whose process runs in the sandbox, started by the
   * launcher, which also holds the pty when it can (`openSandboxPty`). As root with such a launcher, the
   * launcher enters the sandbox itself and the program is the terminal's only process; otherwise it is
   * nsenter's child (see {@link spawn} for who runs nsenter, where, and with which environment). Runs
   * `/bin/bash -l` (else `/bin/sh -l`) by default, with `TERM=xterm-256color` and `HOME=/home/lab`. `kill`
   * signals the program. Throws `unavailable` when the sandbox is gone, `backend_failed` for an invalid
   * variable name.
   */
  exec(handle: SandboxHandle, opts: ExecOptions): PtyLike {
    const argv = opts.argv ?? LOGIN_SHELL
    const env = { ...opts.env, TERM: 'xterm-256color', HOME: SANDBOX_HOME }
    if (this.#asRoot && this.#launcher.openPty) {
      return openSandboxPty(opts.pty, this.#launcher, this.#entered(handle, argv, env))
    }
    const cmd = this.#command(handle, argv, { env })
    const { file, args, env: hostEnv, cgroups } = cmd
    return openSandboxPty(opts.pty, this.#launcher, { file, args, env: hostEnv, cgroups, adopt: cmd.adopt })
  }

  /**
   * `argv` for the launcher to run inside the sandbox itself (no nsenter): the sandbox's environment with
   * `env` over it, all of it for the program (nothing runs on the host with it), its uid and gid, its
   * seccomp program, in its cgroups from the first instruction.
   */
  #entered(handle: SandboxHandle, argv: string[], env: Record<string, string>) {
    const h = parseLocalHandle(handle)
    if (!h || !isAliveSync(h.childPid, h.startTime)) {
      throw new LabgateError('unavailable', 'the sandbox is not running')
    }
    if (argv.length === 0) throw new LabgateError('backend_failed', 'exec needs a command')
    // Validates every name and value (splitHostEnv throws on one that cannot be a variable).
    const { host, inner } = splitHostEnv({ ...sandboxEnvOf(this.#dataDir, h.childPid, h.session), ...env })
    const cgroups = cgroupsOf(h)
    const sandbox = {
      pid: h.childPid,
      startTime: h.startTime,
      uid: SANDBOX_INNER_ID,
      gid: SANDBOX_INNER_ID,
      seccompFile: this.#hardening.seccompFile,
    }
    return {
      file: argv[0] as string,
      args: argv.slice(1),
      env: { ...host, ...inner },
      cgroups,
      sandbox,
      adopt: (pid: number) => {
        if (cgroups.length > 0) void this.#cgroups.attach(cgroups, [pid])
      },
    }
  }

  /**
   * The port's {@link SessionBackend.connect}. A sandbox with its own network namespace is reached through
   * a forwarder: `socat` in that namespace only, listening on `<runDir>/<session>/<port>.sock` (0600, in a
   * 0700 directory outside every sandbox), started by the launcher on first use and reused; it goes when
   * idle, when the sandbox stops or vanishes, and on {@link close}. A sandbox on the host's network is
   * reached at `127.0.0.1:<port>` directly. Rejects with `unavailable` when the sandbox is gone (checked on
   * every call), `backend_failed` when the forwarder cannot start.
   */
  async connect(handle: SandboxHandle, port: number): Promise<SandboxEndpoint> {
    const h = parseLocalHandle(handle)
    if (!h) throw new LabgateError('unavailable', 'the sandbox is not running')
    return this.#forwarders.endpoint(h, port)
  }

  /**
   * What to tell the operator at start-up when some of `limits` cannot be applied on this machine (which,
   * why, what to do), or null when all can. Never throws.
   */
  limitsNotice(limits: NonNullable<SandboxSpec['limits']>): Promise<string | null> {
    return this.#cgroups.notice(limits)
  }

  /** The forwarders behind {@link connect} (for diagnostics and tests). */
  get forwarders(): PortForwarders {
    return this.#forwarders
  }

  /**
   * Runs `argv` inside the running sandbox, without a pty, by joining its namespaces with nsenter, as the
   * sandbox's unprivileged user (uid 1000 inside, the sandbox uid on the host; never host root), in the home
   * (or `cwd`), with the sandbox's environment (as `start` recorded it) plus `opts.env`. The returned
   * process is nsenter, spawned from labgate's process; it exits with the command's status. Throws
   * `unavailable` when the sandbox is gone, `backend_failed` when a variable name is invalid. Variables that
   * steer the dynamic loader or libc (`LD_*`, locale, ...) are set inside the sandbox only, never on nsenter
   * itself (the sandbox's environment is untrusted; see `splitHostEnv`).
   */
  spawn(handle: SandboxHandle, argv: string[], opts: LocalExecOptions = {}): ChildProcess {
    const cmd = this.#command(handle, argv, opts)
    const wrapped = inCgroups(cmd.cgroups, cmd.file, cmd.args)
    const child = spawn(wrapped.file, wrapped.args, { cwd: '/', env: cmd.env, stdio: opts.stdio ?? 'pipe' })
    if (child.pid !== undefined) cmd.adopt(child.pid)
    return child
  }

  /**
   * The nsenter command line of {@link spawn} and {@link exec}: run `file` with `args` and exactly `env`,
   * with cwd `/`, inside `cgroups` from its first instruction (`adopt(pid)` only makes sure).
   */
  #command(handle: SandboxHandle, argv: string[], opts: LocalExecOptions): LocalExecCommand {
    const h = parseLocalHandle(handle)
    if (!h || !isAliveSync(h.childPid, h.startTime)) {
      throw new LabgateError('unavailable', 'the sandbox is not running')
    }
    if (argv.length === 0) throw new LabgateError('backend_failed', 'exec needs a command')
    const { host, inner } = splitHostEnv({
      ...sandboxEnvOf(this.#dataDir, h.childPid, h.session),
      ...opts.env,
    })
    const args = nsenterArgs(h.childPid, argv, { asRoot: this.#asRoot, cwd: opts.cwd, innerEnv: inner })
    const cgroups = cgroupsOf(h)
    return {
      // nsenter'd processes do not inherit the sandbox's seccomp filter: it runs under the same one.
      ...this.#hardening.enter(this.#nsenterPath, args),
      env: host,
      cgroups,
      adopt: (pid) => {
        if (cgroups.length > 0) void this.#cgroups.attach(cgroups, [pid])
      },
    }
  }

  /**
   * Stops accepting `start`, stops every port forwarder and closes the launcher. Sandboxes keep running;
   * observe, stop, exec and spawn keep working (the launcher starts again when a terminal needs it);
   * connect rejects with `backend_failed`.
   */
  async close(): Promise<void> {
    this.#closed = true
    await this.#etcViewCheck
    await this.#homes?.close()
    await this.#forwarders.close()
    await this.#launcher.close()
  }

  /**
   * The prepared /etc for a sandbox starting now, begun when the backend was made. The first start waits
   * for it (about 0.1 s of file system calls on a new data directory, a few ms when it exists); after
   * that, the host's entries are compared with it at most once a minute, in the background, and a start
   * meanwhile uses the current one, so a change on the host reaches the sandboxes started after the
   * check. undefined (each entry bound on its own) when it cannot be written.
   */
  async #currentEtcView(): Promise<EtcView | undefined> {
    if (!this.#etcView) await this.#checkEtcView()
    else if (Date.now() - this.#etcView.checkedAt >= ETC_VIEW_CHECK_MS) void this.#checkEtcView()
    return this.#etcView?.view
  }

  /** Prepares (or finds) the view of the host's entries now, unless that is already under way. */
  #checkEtcView(): Promise<void> {
    this.#etcViewCheck ??= (async () => {
      const identity = identityFiles(this.#dataDir)
      try {
        const view = await prepareEtcView(
          join(this.#dataDir, 'sessions', '.etc', 'views'),
          hostEtcEntries(),
          [
            { name: 'passwd', source: identity.passwd },
            { name: 'group', source: identity.group },
          ],
        )
        this.#etcView = { view, checkedAt: Date.now() }
      } catch (e) {
        this.#log(`warning: cannot prepare the sandboxes' /etc, binding its entries one by one: ${String(e)}`)
        this.#etcView = { view: undefined, checkedAt: Date.now() }
      } finally {
        this.#etcViewCheck = null
      }
    })()
    return this.#etcViewCheck
  }

  /** After a failed start: unmounts the home, and deletes the session's files unless they existed before. */
  async #discardFiles(session: string, existed: boolean): Promise<void> {
    await this.#homes?.unmount(homeDir(this.#dataDir, session))
    if (existed) return
    await removeSessionFiles(this.#dataDir, session)
    this.#uids?.release(session)
  }

  /** Resolves when the bwrap this instance started for `childPid` has been reaped (at once if there is none). */
  async #exitOf(childPid: number): Promise<void> {
    await this.#spawned.get(childPid)
  }
}

function signal(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // Gone in the meantime.
  }
}
