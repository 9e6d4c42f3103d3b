import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { LIMIT_KINDS, type LimitKind } from './cgroup-hierarchies.js'
import { makeSessionCgroup, writeLimitFiles } from './cgroup-files.js'
import {
  CPU_PERIOD_US,
  cpuQuotaUs,
  limitOf,
  type CgroupMechanism,
  type MechanismSupport,
  type SandboxLimits,
} from './cgroup-mechanism.js'

/**
 * Limits through cgroup v2: one child cgroup per session, `<parent>/labgate-<session>`, under labgate's own
 * cgroup, with `memory.max` (and `memory.swap.max` 0 where present), `pids.max` and `cpu.max`. It needs the
 * controllers delegated to `parent`; it enables them for `parent`'s children, which cgroup v2 refuses while
 * `parent` holds processes (unless it is the root): every process in it (labgate, its launcher helper, ...)
 * then moves into a `labgate` leaf first, as a delegated service does.
 */
export class CgroupV2 implements CgroupMechanism {
  readonly version = 2
  #support: Promise<MechanismSupport> | undefined

  constructor(
    /** labgate's own cgroup v2 directory (or a test's fake tree). */
    readonly parent: string,
    private readonly log: (msg: string) => void,
  ) {}

  parentDirs(): string[] {
    return [this.parent]
  }

  support(): Promise<MechanismSupport> {
    this.#support ??= enable(this.parent, this.log)
    return this.#support
  }

  async create(name: string, limits: SandboxLimits): Promise<{ dirs: string[]; warnings: string[] }> {
    const { kinds } = await this.support()
    const files: [string, string][] = []
    for (const kind of kinds) {
      const value = limitOf(limits, kind)
      if (value === undefined) continue
      if (kind === 'memory') files.push(['memory.max', String(value)])
      if (kind === 'pids') files.push(['pids.max', String(value)])
      if (kind === 'cpu') files.push(['cpu.max', `${cpuQuotaUs(value)} ${CPU_PERIOD_US}`])
    }
    if (files.length === 0) return { dirs: [], warnings: [] }
    let dir: string
    try {
      dir = await makeSessionCgroup(this.parent, name)
    } catch (err) {
      return { dirs: [], warnings: files.map(([f, v]) => `${f}=${v} not applied: ${(err as Error).message}`) }
    }
    const warnings = await writeLimitFiles(dir, files)
    // Without this the memory limit only pushes the sandbox into swap. Absent without swap accounting.
    if (files.some(([f]) => f === 'memory.max'))
      await writeFile(join(dir, 'memory.swap.max'), '0').catch(() => {})
    return { dirs: [dir], warnings }
  }
}

async function enable(parent: string, log: (msg: string) => void): Promise<MechanismSupport> {
  const available = (await readFile(join(parent, 'cgroup.controllers'), 'utf8').catch(() => '')).split(/\s+/)
  const reasons: Partial<Record<LimitKind, string>> = {}
  const kinds: LimitKind[] = []
  const subtree = join(parent, 'cgroup.subtree_control')
  let moved = false
  for (const kind of LIMIT_KINDS) {
    if (!available.includes(kind)) {
      reasons[kind] = `the cgroup v2 controller ${kind} is not delegated to ${parent}`
      continue
    }
    const enabled = (await readFile(subtree, 'utf8').catch(() => '')).split(/\s+/)
    if (enabled.includes(kind)) {
      kinds.push(kind)
      continue
    }
    try {
      try {
        await writeFile(subtree, `+${kind}`)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EBUSY' || moved) throw err
        moved = true
        await moveAllIntoLeaf(parent, log)
        await writeFile(subtree, `+${kind}`)
      }
      kinds.push(kind)
    } catch (err) {
      reasons[kind] =
        `cannot enable the cgroup v2 controller ${kind} in ${subtree}: ${(err as Error).message}`
    }
  }
  return { kinds, reasons }
}

/**
 * Moves every process of `parent` (labgate, its launcher helper, anything else of the service) into
 * `<parent>/labgate`, so that `parent` may hand controllers to its children.
 */
async function moveAllIntoLeaf(parent: string, log: (msg: string) => void): Promise<void> {
  const leaf = join(parent, 'labgate')
  await mkdir(leaf, { recursive: true })
  const pids = (await readFile(join(parent, 'cgroup.procs'), 'utf8')).split('\n').filter(Boolean)
  for (const pid of pids) {
    // A process may exit meanwhile; a process that cannot move makes the next write fail with EBUSY again.
    await writeFile(join(leaf, 'cgroup.procs'), pid).catch(() => undefined)
  }
  log(`local backend: moved labgate's processes into ${leaf} to delegate cgroup controllers`)
}
