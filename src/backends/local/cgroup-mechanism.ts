import type { LimitKind } from './cgroup-hierarchies.js'

/** The limits of one sandbox, as the backend port states them (see `SandboxSpec.limits`). */
export interface SandboxLimits {
  memoryBytes?: number
  pids?: number
  /** CPU time, in CPUs (`0.5` is half of one CPU's time). */
  cpus?: number
}

/** Which limits a {@link CgroupMechanism} can apply on this machine, and why not the others. */
export interface MechanismSupport {
  kinds: LimitKind[]
  /** Why each other kind cannot be applied. */
  reasons: Partial<Record<LimitKind, string>>
}

/**
 * One way of applying sandbox limits: cgroup v2 (`cgroup-v2.ts`) or cgroup v1 (`cgroup-v1.ts`). A
 * session's cgroups are directories named `labgate-<session>`, one per hierarchy it uses; processes join
 * them by writing to their `cgroup.procs` (see `cgroup-files.ts`), which is the same in both versions.
 */
export interface CgroupMechanism {
  readonly version: 1 | 2
  /** Detects (once) which limits this mechanism can apply; never throws. */
  support(): Promise<MechanismSupport>
  /**
   * Creates the session's cgroup(s), directories called `name`, and writes `limits` (only kinds
   * {@link support} listed). Returns the
   * directories made (the caller removes them with `removeCgroups`) and a warning per limit not applied.
   * Never throws.
   */
  create(name: string, limits: SandboxLimits): Promise<{ dirs: string[]; warnings: string[] }>
  /** The directories `create` makes session cgroups in (one per hierarchy it uses). */
  parentDirs(): string[]
}

/** The value of `kind` in `limits`, when one is asked for (0 counts as none). */
export function limitOf(limits: SandboxLimits, kind: LimitKind): number | undefined {
  const value = kind === 'memory' ? limits.memoryBytes : kind === 'pids' ? limits.pids : limits.cpus
  return value ? value : undefined
}

/** A cgroup's period for CPU limits: 100 ms, the kernel's default. */
export const CPU_PERIOD_US = 100_000

/** `cpus` CPUs' worth of time per {@link CPU_PERIOD_US} (at least the kernel's minimum, 1 ms). */
export function cpuQuotaUs(cpus: number): number {
  return Math.max(1000, Math.round(cpus * CPU_PERIOD_US))
}
