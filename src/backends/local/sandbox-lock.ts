/**
 * Finding a session's sandboxes from the machine alone, whatever labgate recorded: every sandbox holds a
 * read lock on its session's lock file (`<dataDir>/sessions/<session>/sandbox.lock`) for as long as it
 * runs, and /proc/locks names the process holding it. A start cut off by a crash (its handle never stored)
 * thus leaves a sandbox that a later start, or the start-up sweep, still finds.
 */
import { open, readFile, readdir, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { LIMIT_KINDS, cgroup2Mount, ownCgroupPath, ownV1Directory } from './cgroup-hierarchies.js'
import type { SandboxHandle } from '../backend.js'
import { isSafeSessionName, parseLocalHandle, type LocalHandle } from './handle.js'
import { readProcStatSync } from './proc.js'
import { homeDir, sessionDir } from './session-files.js'

/** Where the lock file is mounted, read-only, inside every sandbox (bwrap opens it there). */
export const SANDBOX_LOCK_PATH = '/run/labgate/sandbox.lock'

/** `<dataDir>/sessions/<session>/sandbox.lock` on the host. */
export const lockFile = (dataDir: string, session: string) =>
  join(sessionDir(dataDir, session), 'sandbox.lock')

/**
 * Creates the session's lock file (0644, so the sandbox uid can open it to lock it) unless it exists. Never
 * replaces it: a running sandbox holds its lock on this very inode, and a new file would hide it.
 */
export async function createLockFile(dataDir: string, session: string): Promise<string> {
  const path = lockFile(dataDir, session)
  const fh = await open(path, 'a', 0o644)
  await fh.close()
  return path
}

/**
 * bwrap options that make the sandbox's pid 1 hold a read lock on `hostPath` while the sandbox runs
 * (`--lock-file`, taken by bwrap's init process, which lives exactly as long as the sandbox).
 */
export function sandboxLockArgs(hostPath: string): string[] {
  return ['--ro-bind', hostPath, SANDBOX_LOCK_PATH, '--lock-file', SANDBOX_LOCK_PATH]
}

/** A sandbox found through its lock: enough of a {@link LocalHandle} to stop it. */
export type FoundSandbox = Pick<
  LocalHandle,
  'session' | 'pid' | 'pidStartTime' | 'childPid' | 'startTime' | 'cgroup'
>

/**
 * Every sandbox that holds the lock of a session under `dataDir` (all sessions, or only `session`). A lock
 * holder counts only when it is pid 1 of a pid namespace directly below labgate's (what bwrap's init is),
 * so a process inside a sandbox that locks the file too is not taken for a sandbox. Never throws: what
 * cannot be read is skipped.
 */
export async function findSandboxes(dataDir: string, session?: string): Promise<FoundSandbox[]> {
  const sessions =
    session !== undefined ? [session] : await readdir(join(dataDir, 'sessions')).catch(() => [] as string[])
  const byInode = new Map<string, string>()
  for (const name of sessions) {
    if (!isSafeSessionName(name)) continue
    const st = await stat(lockFile(dataDir, name), { bigint: true }).catch(() => null)
    if (st) byInode.set(inodeKey(devMajor(st.dev), devMinor(st.dev), st.ino), name)
  }
  if (byInode.size === 0) return []
  const locks = await readFile('/proc/locks', 'utf8').catch(() => '')
  const found: FoundSandbox[] = []
  const seen = new Set<number>()
  for (const holder of parseProcLocks(locks)) {
    const name = byInode.get(inodeKey(holder.major, holder.minor, holder.inode))
    if (name === undefined || seen.has(holder.pid)) continue
    seen.add(holder.pid)
    const sandbox = await sandboxAt(holder.pid, name)
    if (sandbox) found.push(sandbox)
  }
  return found
}

/** A lock in /proc/locks: who holds it, on which inode. */
export interface ProcLock {
  pid: number
  major: number
  minor: number
  inode: bigint
}

/**
 * Parses /proc/locks (`1: POSIX  ADVISORY  READ 4242 fe:00:2146802 0 EOF`), skipping waiters (`->`) and
 * malformed lines.
 */
export function parseProcLocks(text: string): ProcLock[] {
  const locks: ProcLock[] = []
  for (const line of text.split('\n')) {
    const m = /^\d+:\s+(?!->)\S+\s+\S+\s+\S+\s+(\d+)\s+([0-9a-f]+):([0-9a-f]+):(\d+)\s/.exec(line)
    if (!m) continue
    locks.push({
      pid: Number(m[1]),
      major: parseInt(m[2]!, 16),
      minor: parseInt(m[3]!, 16),
      inode: BigInt(m[4]!),
    })
  }
  return locks
}

/** The sandbox whose pid 1 is `pid` (as seen here), with the bwrap above it; null when `pid` is not one. */
async function sandboxAt(pid: number, session: string): Promise<FoundSandbox | null> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')
  const nspid = /^NSpid:\s+(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/)
  if (!nspid || nspid.length !== 2 || nspid[1] !== '1') return null
  const inner = readProcStatSync(pid)
  if (!inner || inner.state === 'Z' || inner.state === 'X') return null
  // The outer bwrap is the parent; were it gone (the sandbox reparented), name only the sandbox itself,
  // so that stopping it never signals an unrelated parent.
  const comm = await readFile(`/proc/${inner.ppid}/comm`, 'utf8').catch(() => '')
  const outer = comm.trim() === 'bwrap' ? readProcStatSync(inner.ppid) : null
  const cgroups = await sessionCgroups(pid, session)
  return {
    session,
    ...(outer ? { pid: inner.ppid, pidStartTime: outer.startTime } : { pid, pidStartTime: inner.startTime }),
    childPid: pid,
    startTime: inner.startTime,
    ...(cgroups.length > 0 ? { cgroups } : {}),
  }
}

/**
 * The session's cgroup directories (`…/labgate-<session>@<instance>`, one per hierarchy: v2, or the v1
 * memory, pids and cpu ones) that `pid` runs in; empty when none.
 */
async function sessionCgroups(pid: number, session: string): Promise<string[]> {
  const procCgroup = await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => '')
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '')
  const mine = (dir: string | null): dir is string =>
    dir !== null &&
    (basename(dir) === `labgate-${session}` || basename(dir).startsWith(`labgate-${session}@`))
  const dirs: string[] = []
  const own = ownCgroupPath(procCgroup)
  const mount = cgroup2Mount(mountinfo)
  if (own && mount) dirs.push(join(mount, own))
  for (const kind of LIMIT_KINDS) dirs.push(ownV1Directory(mountinfo, procCgroup, kind) ?? '')
  return [...new Set(dirs.filter((d) => d !== '' && mine(d)))]
}

/** A file's identity as /proc/locks names it: device major, minor and inode. */
export const inodeKey = (major: number, minor: number, inode: bigint) => `${major}:${minor}:${inode}`
// glibc's gnu_dev_major and gnu_dev_minor: st_dev as the kernel encodes it for user space.
/** The major number of a `stat` device (glibc's encoding). */
export const devMajor = (dev: bigint) => Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn))
/** The minor number of a `stat` device (glibc's encoding). */
export const devMinor = (dev: bigint) => Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn))

/**
 * The sandboxes among `found` that none of `known` (stored handles, any shape) names, as handles `stop`
 * takes: a known handle names a sandbox when its pid 1 and that pid's start time are the same.
 */
export function strayHandles(
  found: FoundSandbox[],
  known: SandboxHandle[],
  owner: { dataDir: string; uid: number },
): LocalHandle[] {
  const names = new Set<string>()
  for (const k of known) {
    const h = parseLocalHandle(k)
    if (h) names.add(`${h.childPid}:${h.startTime}`)
  }
  return found
    .filter((f) => !names.has(`${f.childPid}:${f.startTime}`))
    .map((f) => ({ backend: 'local', ...f, home: homeDir(owner.dataDir, f.session), uid: owner.uid }))
}
