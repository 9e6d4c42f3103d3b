import { readFileSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import {
  LIMIT_KINDS,
  cgroup2Mount,
  ownCgroupPath,
  ownV1Directory,
  type LimitKind,
} from './cgroup-hierarchies.js'
import { attachToCgroups, removeCgroupDir, removeCgroups, sessionCgroupName } from './cgroup-files.js'
import { limitOf, type CgroupMechanism, type SandboxLimits } from './cgroup-mechanism.js'
import { CgroupV1 } from './cgroup-v1.js'
import { CgroupV2 } from './cgroup-v2.js'
import { basename, join } from 'node:path'

export type { LimitKind } from './cgroup-hierarchies.js'
export type { SandboxLimits } from './cgroup-mechanism.js'

/** For each limit kind, the mechanism that applies it, or why none can. */
export interface CgroupSupport {
  by: Partial<Record<LimitKind, CgroupMechanism>>
  reasons: Partial<Record<LimitKind, string>>
}

/**
 * Applies sandbox limits (memory, pids, CPU) through cgroups: cgroup v2 where the machine delegates a
 * controller to labgate, else cgroup v1 where a v1 hierarchy carries it (hybrid machines mount both), per
 * controller. A session's cgroups are `labgate-<session>` directories, one per hierarchy used; limits no
 * mechanism can apply become warnings.
 */
export class SandboxCgroups {
  readonly #mechanisms: CgroupMechanism[]
  readonly #log: (msg: string) => void
  readonly #instance: string | undefined
  #support: Promise<CgroupSupport> | undefined

  constructor(opts: {
    log: (msg: string) => void
    /** Use only cgroup v2 under this directory (tests point it at a fake cgroup tree). */
    parent?: string
    /** Use exactly these mechanisms, in order of preference (tests). */
    mechanisms?: CgroupMechanism[]
    /** Tells this labgate's session cgroups from another's on the same machine (see `sessionCgroupName`). */
    instance?: string
  }) {
    this.#log = opts.log
    this.#instance = opts.instance
    this.#mechanisms =
      opts.mechanisms ??
      (opts.parent !== undefined ? [new CgroupV2(opts.parent, opts.log)] : detect(opts.log))
  }

  /** Detects (once) which mechanism applies each limit. Never throws. */
  support(): Promise<CgroupSupport> {
    this.#support ??= resolveSupport(this.#mechanisms)
    return this.#support
  }

  /**
   * A start-up notice when some of `limits` cannot be applied on this machine (what is missing, what to
   * do), or null when all can. Never throws.
   */
  async notice(limits: SandboxLimits): Promise<string | null> {
    const { reasons } = await this.support()
    const missing = LIMIT_KINDS.filter((k) => limitOf(limits, k) !== undefined && reasons[k] !== undefined)
    if (missing.length === 0) return null
    return (
      `sandbox ${missing.join(', ')} limits cannot be applied on this machine (${missing
        .map((k) => reasons[k])
        .join('; ')}): one sandbox can exhaust the host. Run labgate as root on a machine with cgroup v2 ` +
      'and these controllers delegated (systemd: Delegate=yes) or with cgroup v1 hierarchies for them ' +
      'mounted, or set spec.labgate.sandbox.memory/pids/cpu to 0 to run without them knowingly.'
    )
  }

  /**
   * Creates the session's cgroups with the requested limits. Returns their directories (empty when nothing
   * was applied) and a warning for each limit that could not be applied. Never throws.
   */
  async create(
    session: string,
    limits: SandboxLimits | undefined,
  ): Promise<{ dirs: string[]; warnings: string[] }> {
    const wanted = LIMIT_KINDS.filter((k) => limitOf(limits ?? {}, k) !== undefined)
    if (wanted.length === 0) return { dirs: [], warnings: [] }
    const { by, reasons } = await this.support()
    const dirs: string[] = []
    const warnings: string[] = []
    for (const mechanism of this.#mechanisms) {
      const mine = wanted.filter((k) => by[k] === mechanism)
      if (mine.length === 0) continue
      const made = await mechanism.create(
        sessionCgroupName(session, this.#instance),
        pick(limits ?? {}, mine),
      )
      dirs.push(...made.dirs)
      warnings.push(...made.warnings)
    }
    for (const kind of wanted.filter((k) => !by[k])) {
      warnings.push(`${kind} limit ${limitOf(limits ?? {}, kind)} not applied: ${reasons[kind]}`)
    }
    return { dirs, warnings }
  }

  /** Moves processes into every cgroup of a session. Best effort: a pid that is already gone is skipped. */
  attach(dirs: readonly string[], pids: readonly number[]): Promise<void> {
    return attachToCgroups(dirs, pids)
  }

  /**
   * Removes the cgroups of this labgate's sessions (`labgate-<session>@<instance>`) that are not in `keep`
   * and hold no process: those of sandboxes that ended without a stop (killed from outside, or while
   * labgate was down). Left behind, each empty memory cgroup still costs the kernel memory in proportion
   * to the machine's filesystems. `waitForExit`: the sandboxes were just killed, so a cgroup is retried
   * for about a second while its last processes are reaped (`removeCgroupDir`). Resolves with how many
   * went. Never throws.
   */
  async removeStale(keep: ReadonlySet<string>, opts = { waitForExit: false }): Promise<number> {
    if (!this.#instance) return 0
    const suffix = `@${this.#instance}`
    let removed = 0
    for (const dir of await this.sessionCgroupDirs()) {
      const name = basename(dir)
      if (!name.endsWith(suffix) || keep.has(name.slice('labgate-'.length, -suffix.length))) continue
      // A cgroup that still holds a process refuses: its sandbox is not this sweep's to end.
      if (await removeCgroupDir(dir, opts)) removed += 1
    }
    return removed
  }

  /**
   * Every session cgroup (`labgate-*`, of any labgate on this machine) in the directories this labgate
   * makes its own in, one per hierarchy it uses: absolute paths. Never throws.
   */
  async sessionCgroupDirs(): Promise<string[]> {
    const dirs: string[] = []
    for (const parent of new Set(this.#mechanisms.flatMap((m) => m.parentDirs()))) {
      const names = await readdir(parent).catch(() => [] as string[])
      for (const name of names) if (name.startsWith('labgate-')) dirs.push(join(parent, name))
    }
    return dirs
  }

  /**
   * Removes a session's cgroups made by {@link create}; retries briefly while their last processes are
   * reaped. Skips paths that are not the session's cgroup directories. Never throws.
   */
  remove(dirs: readonly string[], session: string): Promise<void> {
    return removeCgroups(dirs, session, this.#instance, this.#log)
  }
}

/** v2 first (where delegated), then v1: the mechanisms this machine offers, from /proc. */
function detect(log: (msg: string) => void): CgroupMechanism[] {
  let mountinfo: string
  let own: string
  try {
    mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')
    own = readFileSync('/proc/self/cgroup', 'utf8')
  } catch {
    return []
  }
  const mechanisms: CgroupMechanism[] = []
  const mount = cgroup2Mount(mountinfo)
  const path = ownCgroupPath(own)
  if (mount && path !== null) mechanisms.push(new CgroupV2(join(mount, path).replace(/(.)\/$/, '$1'), log))
  const parents: Partial<Record<LimitKind, string>> = {}
  for (const kind of LIMIT_KINDS) {
    const dir = ownV1Directory(mountinfo, own, kind)
    if (dir) parents[kind] = dir
  }
  mechanisms.push(new CgroupV1(parents))
  return mechanisms
}

async function resolveSupport(mechanisms: CgroupMechanism[]): Promise<CgroupSupport> {
  const by: CgroupSupport['by'] = {}
  const why: Partial<Record<LimitKind, string[]>> = {}
  for (const mechanism of mechanisms) {
    const support = await mechanism.support()
    for (const kind of LIMIT_KINDS) {
      if (by[kind]) continue
      if (support.kinds.includes(kind)) by[kind] = mechanism
      else (why[kind] ??= []).push(support.reasons[kind] ?? `cgroup v${mechanism.version} cannot`)
    }
  }
  const reasons: CgroupSupport['reasons'] = {}
  for (const kind of LIMIT_KINDS) {
    if (!by[kind]) reasons[kind] = why[kind]?.join(', ') || 'no cgroup hierarchy on this machine'
  }
  return { by, reasons }
}

function pick(limits: SandboxLimits, kinds: LimitKind[]): SandboxLimits {
  return {
    ...(kinds.includes('memory') ? { memoryBytes: limits.memoryBytes } : {}),
    ...(kinds.includes('pids') ? { pids: limits.pids } : {}),
    ...(kinds.includes('cpu') ? { cpus: limits.cpus } : {}),
  }
}
