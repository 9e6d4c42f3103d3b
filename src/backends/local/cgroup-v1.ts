import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
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
 * The file each v1 controller must offer in labgate's cgroup for its limit (cpu needs the kernel's CFS
 * bandwidth control). A root pids cgroup has no `pids.max`: the hierarchy itself is enough there.
 */
const PROBE: Record<LimitKind, string> = {
  memory: 'memory.limit_in_bytes',
  pids: 'cgroup.procs',
  cpu: 'cpu.cfs_quota_us',
}

/** The file that carries each limit, as warnings name it. */
const LIMIT_FILE: Record<LimitKind, string> = {
  memory: 'memory.limit_in_bytes',
  pids: 'pids.max',
  cpu: 'cpu.cfs_quota_us',
}

/**
 * Limits through cgroup v1, one hierarchy per controller: a session gets `<parent>/labgate-<session>` in
 * each hierarchy it needs (memory: `memory.limit_in_bytes`, and `memory.memsw.limit_in_bytes` at the same
 * value where swap accounting exists, so swap does not extend it; pids: `pids.max`; cpu:
 * `cpu.cfs_period_us` and `cpu.cfs_quota_us`), under labgate's own cgroup of that hierarchy. v1 has no
 * delegation step: the parent need only be writable (root).
 */
export class CgroupV1 implements CgroupMechanism {
  readonly version = 1
  #support: Promise<MechanismSupport> | undefined

  constructor(
    /** labgate's own directory in the v1 hierarchy of each controller; absent = no such hierarchy. */
    readonly parents: Partial<Record<LimitKind, string>>,
  ) {}

  parentDirs(): string[] {
    return [...new Set(Object.values(this.parents))]
  }

  support(): Promise<MechanismSupport> {
    this.#support ??= probe(this.parents)
    return this.#support
  }

  async create(name: string, limits: SandboxLimits): Promise<{ dirs: string[]; warnings: string[] }> {
    const { kinds } = await this.support()
    const dirs: string[] = []
    const warnings: string[] = []
    for (const kind of kinds) {
      const value = limitOf(limits, kind)
      const parent = this.parents[kind]
      if (value === undefined || parent === undefined) continue
      let dir: string
      try {
        dir = await makeSessionCgroup(parent, name)
      } catch (err) {
        warnings.push(`${LIMIT_FILE[kind]}=${value} not applied: ${(err as Error).message}`)
        continue
      }
      // Co-mounted controllers (cpu,cpuacct) share one directory.
      if (!dirs.includes(dir)) dirs.push(dir)
      warnings.push(...(await writeLimitFiles(dir, await filesFor(kind, value, dir))))
    }
    return { dirs, warnings }
  }
}

async function filesFor(kind: LimitKind, value: number, dir: string): Promise<[string, string][]> {
  if (kind === 'pids') return [['pids.max', String(value)]]
  if (kind === 'cpu') {
    return [
      ['cpu.cfs_period_us', String(CPU_PERIOD_US)],
      ['cpu.cfs_quota_us', String(cpuQuotaUs(value))],
    ]
  }
  const files: [string, string][] = [['memory.limit_in_bytes', String(value)]]
  // memsw must stay >= the memory limit: written after it.
  if (await exists(join(dir, 'memory.memsw.limit_in_bytes')))
    files.push(['memory.memsw.limit_in_bytes', String(value)])
  return files
}

async function probe(parents: Partial<Record<LimitKind, string>>): Promise<MechanismSupport> {
  const kinds: LimitKind[] = []
  const reasons: Partial<Record<LimitKind, string>> = {}
  for (const kind of LIMIT_KINDS) {
    const parent = parents[kind]
    if (parent === undefined) reasons[kind] = `no cgroup v1 hierarchy carries the ${kind} controller`
    else if (!(await exists(join(parent, PROBE[kind]))))
      reasons[kind] = `${join(parent, PROBE[kind])} is missing`
    else if (!(await writable(parent))) reasons[kind] = `${parent} is not writable (labgate must run as root)`
    else kinds.push(kind)
  }
  return { kinds, reasons }
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  )
const writable = (path: string) =>
  access(path, constants.W_OK).then(
    () => true,
    () => false,
  )
