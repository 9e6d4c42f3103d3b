/**
 * How many sessions the host's limits allow, which limit runs out first, and what to raise for a given
 * number of sessions. Pure: it works on limits read elsewhere (`kernel-limits.ts`) and a session's
 * footprint (`footprint.ts`).
 */
import { PID_MAX_LIMIT, type HostLimits, type KernelSetting } from './kernel-limits.js'

/** What one live session with one open terminal takes from the host. */
export interface SessionFootprint {
  /** Processes on the host (each also takes a pid and counts against the thread table). */
  processes: number
  /** ptys (one per open terminal). */
  ptys: number
  /** Descriptors labgate's own process holds for it. */
  labgateFds: number
  /** Namespaces of each kind (user, pid, net, mount). */
  namespaces: number
  /** Memory, where it is known (see {@link memorySessions}). */
  memory?: SessionMemory
}

/**
 * What a session costs in memory: `linearMiB` of its own (processes, page tables, namespaces, mounts,
 * cgroups, labgate's share), and, with a memory cgroup each, the kernel's slots for filesystems: in every
 * memory cgroup, 1 KiB for each 64 filesystems on the host, of which each session adds `filesystems`.
 * That part grows with the square of the sessions.
 */
export interface SessionMemory {
  linearMiB: number
  filesystems: number
  memoryCgroup: boolean
}

/** Memory kept free: below it the kernel thrashes, and the rest of the host suffers. */
export const MEMORY_SPARE_MIB = 1_536

/**
 * How many sessions `availableMiB` more can hold beside `live` running ones: the largest n with
 * n × linear + slots(live + n) − slots(live) ≤ available, where slots(k) = k × k × filesystems / 64 KiB
 * (a memory cgroup per session). Ignores what filesystems the host had before: the kernel sizes every
 * new memory cgroup for the most it ever had at once, so a host that once held more sessions fits fewer.
 */
export function memorySessions(m: SessionMemory, availableMiB: number, live = 0): number {
  if (availableMiB <= 0 || m.linearMiB <= 0) return 0
  const a = m.memoryCgroup ? m.filesystems / 65_536 : 0
  const b = m.linearMiB + 2 * a * live
  const n = a === 0 ? availableMiB / b : (-b + Math.sqrt(b * b + 4 * a * availableMiB)) / (2 * a)
  return Math.max(0, Math.floor(n))
}

/** A limit that bounds sessions: a kernel setting, or one of labgate's own resource limits. */
export type Limit = KernelSetting | 'RLIMIT_NOFILE' | 'RLIMIT_NPROC' | 'MemAvailable'

/** How far one limit lets sessions go. */
export interface Headroom {
  /** What runs out, in words (`ptys`, `pids`, …). */
  resource: string
  limit: Limit
  /** The limit's value now. */
  value: number
  /** How much of it is in use now (0 where it cannot be counted). */
  inUse: number
  /** How much of it is kept free for the rest of the host. */
  spare: number
  perSession: number
  /** How many sessions there can be in all: `live` plus those the rest allows. */
  sessions: number
}

/** Kept free for everything else on the host, so that the host stays usable with labgate at its limit. */
const SPARE = { pids: 2_000, fds: 1_024 }

/**
 * Each limit's headroom, the tightest first: with `live` sessions running now (their use is part of
 * the limits' `inUse`), how many sessions each limit allows in all. Limits that are unknown or unlimited
 * are left out.
 */
export function headroom(limits: HostLimits, f: SessionFootprint, live = 0): Headroom[] {
  const s = limits.settings
  const threads = limits.threadsInUse ?? 0
  const rows: Omit<Headroom, 'sessions'>[] = []
  const add = (resource: string, limit: Limit, value: number | null, inUse: number, perSession: number) => {
    const spare = limit === 'kernel.pid_max' ? SPARE.pids : limit === 'RLIMIT_NOFILE' ? SPARE.fds : 0
    if (value !== null && perSession > 0) rows.push({ resource, limit, value, inUse, spare, perSession })
  }
  add('ptys', 'kernel.pty.max', s['kernel.pty.max'], limits.ptysInUse ?? 0, f.ptys)
  add('pids', 'kernel.pid_max', s['kernel.pid_max'], threads, f.processes)
  add('threads', 'kernel.threads-max', s['kernel.threads-max'], threads, f.processes)
  for (const kind of ['user', 'pid', 'net', 'mnt'] as const)
    add(
      `${kind} namespaces`,
      `user.max_${kind}_namespaces`,
      s[`user.max_${kind}_namespaces`],
      live * f.namespaces,
      f.namespaces,
    )
  add(
    'host open files',
    'fs.file-max',
    s['fs.file-max'],
    limits.filesInUse ?? 0,
    f.labgateFds + f.processes * 4,
  )
  add(
    "labgate's open files",
    'RLIMIT_NOFILE',
    limits.openFiles.soft,
    limits.openFiles.inUse ?? 0,
    f.labgateFds,
  )
  add(
    'processes of the sandbox user',
    'RLIMIT_NPROC',
    limits.processesPerUser,
    live * f.processes,
    f.processes,
  )
  const out: Headroom[] = rows.map((r) => ({
    ...r,
    sessions: live + Math.max(0, Math.floor((r.value - r.spare - r.inUse) / r.perSession)),
  }))
  if (limits.memAvailableMiB !== null && f.memory) {
    // MemAvailable already counts the live sessions: only the next ones are to be paid for.
    const value = limits.memAvailableMiB
    const more = memorySessions(f.memory, value - MEMORY_SPARE_MIB, live)
    const row = { resource: 'memory (MiB)', limit: 'MemAvailable' as const, value, inUse: 0 }
    out.push({ ...row, spare: MEMORY_SPARE_MIB, perSession: f.memory.linearMiB, sessions: live + more })
  }
  return out.sort((a, b) => a.sessions - b.sessions)
}

/** A change that lets the host hold a given number of sessions. */
export interface Raise {
  limit: Limit
  from: number
  to: number
}

/** Room added above the estimate, for terminals opened twice, builds run in a lab, and the host itself. */
const MARGIN = 1.25

/**
 * What to raise so that `sessions` sessions fit beside what runs now: each limit below what they need
 * (their footprint times {@link MARGIN}, plus what is in use and kept spare), raised to that, within
 * what the kernel accepts (`pid_max` at most 4,194,304; open files at most `fs.nr_open`). A limit that
 * cannot be raised far enough is raised as far as it goes.
 */
export function raisesFor(limits: HostLimits, f: SessionFootprint, sessions: number, live = 0): Raise[] {
  const out: Raise[] = []
  for (const h of headroom(limits, f, live)) {
    // Not raised: RLIMIT_NPROC is unlimited for root and a policy otherwise; memory is what the host has.
    if (h.limit === 'RLIMIT_NPROC' || h.limit === 'MemAvailable') continue
    const wanted = Math.ceil(h.inUse + Math.max(0, sessions - live) * h.perSession * MARGIN + h.spare)
    const ceiling =
      h.limit === 'kernel.pid_max'
        ? PID_MAX_LIMIT
        : h.limit === 'RLIMIT_NOFILE'
          ? (limits.nrOpen ?? wanted)
          : Number.MAX_SAFE_INTEGER
    const to = Math.min(wanted, ceiling)
    if (to > h.value) out.push({ limit: h.limit, from: h.value, to })
  }
  return out
}
