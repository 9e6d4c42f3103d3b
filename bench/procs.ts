/**
 * Reading /proc: processes, their memory (PSS from smaps_rollup), CPU time and pid namespaces, and finding
 * the processes that make up this run's sandboxes. Linux only; the bench runs as root (or as labgate's user,
 * in which case other users' processes may be unreadable and are skipped).
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs'

export interface Proc {
  pid: number
  ppid: number
  state: string
  /** Start time in clock ticks since boot: with the pid, identifies a process across pid reuse. */
  startTime: string
  comm: string
  /** User + system CPU time in clock ticks. */
  cpuTicks: number
}

export function procStat(pid: number): Proc | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const close = stat.lastIndexOf(')')
    const comm = stat.slice(stat.indexOf('(') + 1, close)
    const rest = stat.slice(close + 2).split(' ')
    return {
      pid,
      comm,
      state: rest[0] ?? '',
      ppid: Number(rest[1]),
      startTime: rest[19] ?? '',
      cpuTicks: Number(rest[11]) + Number(rest[12]),
    }
  } catch {
    return null
  }
}

/** True while the process (same pid, same start time) exists, even as a zombie. */
export function exists(p: Proc): boolean {
  return procStat(p.pid)?.startTime === p.startTime
}

/** True while the process (same pid, same start time) exists and is not a zombie. */
export function alive(p: Proc): boolean {
  const now = procStat(p.pid)
  return !!now && now.startTime === p.startTime && now.state !== 'Z' && now.state !== 'X'
}

/** Every process on the machine (that could be read), zombies included. */
export function allProcs(): Proc[] {
  const out: Proc[] = []
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid)) continue
    const p = procStat(pid)
    if (p) out.push(p)
  }
  return out
}

/** The descendants of `pid` (not itself), from one snapshot of the process table. */
export function descendants(pid: number, procs = allProcs()): Proc[] {
  const children = new Map<number, Proc[]>()
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p])
  const out: Proc[] = []
  const queue = [pid]
  while (queue.length) {
    for (const c of children.get(queue.shift()!) ?? []) {
      out.push(c)
      queue.push(c.pid)
    }
  }
  return out
}

/** How many processes of each of `names` run on the machine (live ones, zombies excluded). */
export function countByName(names: readonly string[]): Record<string, number> {
  const counts = Object.fromEntries(names.map((n) => [n, 0]))
  for (const p of allProcs()) if (p.comm in counts && p.state !== 'Z') counts[p.comm]!++
  return counts
}

/** Memory of a process in bytes: PSS and RSS from smaps_rollup, or RSS alone (as PSS too) from status. */
export function memoryOf(pid: number): { pss: number; rss: number; pssKnown: boolean } | null {
  const kb = (text: string, key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)
    return m ? Number(m[1]) * 1024 : null
  }
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8')
    const pss = kb(rollup, 'Pss')
    const rss = kb(rollup, 'Rss')
    if (pss !== null && rss !== null) return { pss, rss, pssKnown: true }
  } catch {
    // no smaps_rollup (old kernel) or not readable: fall back to RSS
  }
  try {
    const rss = kb(readFileSync(`/proc/${pid}/status`, 'utf8'), 'VmRSS')
    return rss === null ? null : { pss: rss, rss, pssKnown: false }
  } catch {
    return null
  }
}

/** The inode naming a process's pid namespace (`pid:[4026532332]`), or null. */
export function pidNamespace(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`)
  } catch {
    return null
  }
}

/** Whether `pid` is pid 1 of a pid namespace below this one (`NSpid: <pid> 1`). */
function isNamespacePid1(pid: number): boolean {
  try {
    const nspid = /^NSpid:\s+(.*)$/m
      .exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
      ?.trim()
      .split(/\s+/)
    return nspid !== undefined && nspid.length >= 2 && nspid.at(-1) === '1'
  } catch {
    return false
  }
}

/** A field of /proc/meminfo in bytes (e.g. MemAvailable). */
export function meminfo(key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/meminfo', 'utf8'))
  return m ? Number(m[1]) * 1024 : NaN
}

/** One sandbox: its pid 1 and, while it is there, the outer bwrap that started it. */
export interface SandboxProcs {
  pid1: Proc
  outer: Proc | null
  /** The session whose home the sandbox mounts (`<data>/sessions/<name>/home`), when it could be read. */
  session: string | null
}

/**
 * This run's sandboxes: the sandbox pid 1 is labgate-init (`init`), or bubblewrap's own init (a `bwrap`)
 * where labgate-init was not built, whose mounts name the run's temporary directory `tag` (bwrap gets its
 * options through a pipe, so its command line does not); its parent is the outer bwrap. Other programs'
 * processes on the machine are never included.
 */
export function findSandboxes(tag: string): SandboxProcs[] {
  const found: SandboxProcs[] = []
  for (const st of allProcs()) {
    if ((st.comm !== 'bwrap' && st.comm !== 'init') || st.state === 'Z' || st.state === 'X') continue
    let mounts = ''
    try {
      mounts = readFileSync(`/proc/${st.pid}/mountinfo`, 'utf8')
    } catch {
      continue
    }
    if (!mounts.includes(tag)) continue
    // Only pid 1 of a namespace of its own: the outer bwrap shares the host's mounts, which name the tag
    // too when homes are loop-mounted images.
    if (!isNamespacePid1(st.pid)) continue
    const parent = procStat(st.ppid)
    // The session: its home's bind, or (a home image, mounted from a loop device) its lock file's.
    const session = /\/sessions\/([^/\s]+)\/(?:home|sandbox\.lock) /.exec(mounts)?.[1] ?? null
    found.push({ pid1: st, outer: parent && parent.comm === 'bwrap' ? parent : null, session })
  }
  return found
}

/** A process counted as part of a sandbox, and why. */
export interface SandboxMember {
  pid: number
  comm: string
  /** `outer`: the bwrap outside; `inside`: in the sandbox's pid namespace; `entry`: a host-side parent of
   * a process inside that is not labgate (the nsenter a shell was started through). */
  role: 'outer' | 'inside' | 'entry'
  pss: number
  rss: number
  pssKnown: boolean
}

/**
 * Every process that belongs to the given sandboxes, with its memory: the outer bwraps; every process in a
 * sandbox's pid namespace (its pid 1 bwrap, the holder, shells and whatever they run: a shell started with
 * nsenter is a child of nsenter, not of bwrap, but it is in the namespace); and the host-side parents of
 * those that are neither labgate nor an outer bwrap (nsenter, which waits for its shell). From one
 * snapshot of the process table.
 */
export function sandboxMembers(sandboxes: SandboxProcs[], labgatePid: number): SandboxMember[] {
  const namespaces = new Set(sandboxes.map((s) => pidNamespace(s.pid1.pid)).filter((n) => n !== null))
  const outers = new Set(sandboxes.flatMap((s) => (s.outer ? [s.outer.pid] : [])))
  const procs = allProcs().filter((p) => p.state !== 'Z')
  const byPid = new Map(procs.map((p) => [p.pid, p]))
  const members = new Map<number, SandboxMember['role']>()
  for (const pid of outers) members.set(pid, 'outer')
  for (const p of procs) {
    const ns = pidNamespace(p.pid)
    if (ns === null || !namespaces.has(ns) || outers.has(p.pid)) continue
    members.set(p.pid, 'inside')
  }
  for (const [pid, role] of [...members]) {
    if (role !== 'inside') continue
    const parent = byPid.get(byPid.get(pid)?.ppid ?? -1)
    if (parent && parent.pid !== labgatePid && !members.has(parent.pid)) members.set(parent.pid, 'entry')
  }
  const out: SandboxMember[] = []
  for (const [pid, role] of members) {
    const m = memoryOf(pid)
    const p = byPid.get(pid)
    if (m && p) out.push({ pid, comm: p.comm, role, ...m })
  }
  return out
}
