/**
 * The host's limits that bound how many sandboxes can run at once, read from `/proc`: the kernel's
 * tables (ptys, pids, threads, namespaces, open files) and the resource limits of this process.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** A kernel setting that bounds sessions, by its `sysctl` name. */
export type KernelSetting =
  | 'kernel.pty.max'
  | 'kernel.pid_max'
  | 'kernel.threads-max'
  | 'user.max_user_namespaces'
  | 'user.max_pid_namespaces'
  | 'user.max_net_namespaces'
  | 'user.max_mnt_namespaces'
  | 'fs.file-max'

/** Every {@link KernelSetting}, in the order reports list them. */
export const KERNEL_SETTINGS: readonly KernelSetting[] = [
  'kernel.pty.max',
  'kernel.pid_max',
  'kernel.threads-max',
  'user.max_user_namespaces',
  'user.max_pid_namespaces',
  'user.max_net_namespaces',
  'user.max_mnt_namespaces',
  'fs.file-max',
]

/** What the host allows now, and how much of it is in use. Null where it could not be read. */
export interface HostLimits {
  /** The kernel's settings, by name. */
  settings: Record<KernelSetting, number | null>
  /** The largest `kernel.pid_max` the kernel accepts (4,194,304 on 64-bit kernels). */
  pidMaxLimit: number
  /** The largest `RLIMIT_NOFILE` a process may get (`fs.nr_open`). */
  nrOpen: number | null
  /** ptys open on the host now (`kernel.pty.nr`). */
  ptysInUse: number | null
  /** Processes and threads on the host now (`/proc/loadavg`'s fourth field). */
  threadsInUse: number | null
  /** Open files on the host now (`fs.file-nr`'s first field). */
  filesInUse: number | null
  /** This process's `RLIMIT_NOFILE`. */
  openFiles: { soft: number | null; hard: number | null; inUse: number | null }
  /** This process's `RLIMIT_NPROC` (the sandboxes' user inherits it), null when unlimited. */
  processesPerUser: number | null
  /** Memory available for new work (`MemAvailable` of /proc/meminfo), MiB. */
  memAvailableMiB: number | null
}

/** 2^22: the largest pid_max of a 64-bit kernel (`PID_MAX_LIMIT`). */
export const PID_MAX_LIMIT = 4_194_304

const sysctlPath = (procRoot: string, setting: string) => join(procRoot, 'sys', ...setting.split('.'))

function readNumber(path: string, field = 0): number | null {
  try {
    const n = Number(readFileSync(path, 'utf8').trim().split(/\s+/)[field])
    return Number.isFinite(n) ? n : null
  } catch {
    return null
  }
}

/** `Max <name>` of a `/proc/<pid>/limits` text: soft and hard, null for unlimited or absent. */
export function limitOf(limits: string, name: string): { soft: number | null; hard: number | null } {
  const line = limits.split('\n').find((l) => l.startsWith(`Max ${name} `))
  const [soft, hard] = (line?.slice(`Max ${name} `.length).trim().split(/\s+/) ?? []).map((v) =>
    /^\d+$/.test(v) ? Number(v) : null,
  )
  return { soft: soft ?? null, hard: hard ?? null }
}

function countEntries(dir: string): number | null {
  try {
    return readdirSync(dir).length
  } catch {
    return null
  }
}

/**
 * Reads the host's limits under `procRoot` (`/proc`; a test passes a directory laid out the same way),
 * for process `pid` (this one by default). Never throws: what cannot be read is null.
 */
export function readHostLimits(procRoot = '/proc', pid: number | 'self' = 'self'): HostLimits {
  const settings = Object.fromEntries(
    KERNEL_SETTINGS.map((s) => [s, readNumber(sysctlPath(procRoot, s))]),
  ) as Record<KernelSetting, number | null>
  let limits = ''
  try {
    limits = readFileSync(join(procRoot, String(pid), 'limits'), 'utf8')
  } catch {
    // no limits file: every limit unknown
  }
  const threads = (() => {
    try {
      const running = readFileSync(join(procRoot, 'loadavg'), 'utf8').split(/\s+/)[3] ?? ''
      const n = Number(running.split('/')[1])
      return Number.isFinite(n) ? n : null
    } catch {
      return null
    }
  })()
  return {
    settings,
    pidMaxLimit: PID_MAX_LIMIT,
    nrOpen: readNumber(sysctlPath(procRoot, 'fs.nr_open')),
    ptysInUse: readNumber(sysctlPath(procRoot, 'kernel.pty.nr')),
    threadsInUse: threads,
    filesInUse: readNumber(sysctlPath(procRoot, 'fs.file-nr')),
    openFiles: { ...limitOf(limits, 'open files'), inUse: countEntries(join(procRoot, String(pid), 'fd')) },
    processesPerUser: limitOf(limits, 'processes').soft,
    memAvailableMiB: readMemAvailableMiB(procRoot),
  }
}

function readMemAvailableMiB(procRoot: string): number | null {
  try {
    const m = /^MemAvailable:\s+(\d+) kB$/m.exec(readFileSync(join(procRoot, 'meminfo'), 'utf8'))
    return m ? Math.floor(Number(m[1]) / 1024) : null
  } catch {
    return null
  }
}
