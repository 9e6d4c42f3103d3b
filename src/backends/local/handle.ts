import type { SandboxHandle } from '../backend.js'

/**
 * The persisted handle of a local sandbox. Plain JSON; enough to re-attach after a labgate restart.
 * `childPid` is the sandbox's pid 1 (bwrap's `child-pid`); `startTime` is its field 22 of /proc/<pid>/stat,
 * so a reused pid is never mistaken for the sandbox.
 */
export interface LocalHandle extends SandboxHandle {
  backend: 'local'
  session: string
  /** The outer bwrap process (outside the sandbox's namespaces). */
  pid: number
  /** Start time of `pid`, so it is only ever signalled while it is the same process. */
  pidStartTime: number
  childPid: number
  startTime: number
  /** The sandbox's home directory on the host. */
  home: string
  /** The home came from the spec (`SandboxSpec.home`): never unmounted, never deleted by labgate. */
  externalHome?: true
  /** The host uid the sandbox runs as. */
  uid: number
  /** The host gid the sandbox runs as (absent in handles from before it was recorded: then `uid`'s number). */
  gid?: number
  /** The session's cgroup directories (one per hierarchy: v2, or v1 memory, pids, cpu), when limits apply. */
  cgroups?: string[]
  /** A single cgroup v2 directory: handles stored by earlier versions (read, never written). */
  cgroup?: string
}

/** The cgroup directories of a sandbox's session (empty when it has no limits). */
export function cgroupsOf(h: LocalHandle): string[] {
  return h.cgroups ?? (h.cgroup ? [h.cgroup] : [])
}

const SESSION_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/

/** True when `name` is safe as a single path segment and a hostname-ish label (no `/`, no `..`). */
export function isSafeSessionName(name: unknown): name is string {
  return typeof name === 'string' && SESSION_NAME.test(name) && !name.includes('..')
}

const isPid = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 1
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0

/** Validates a stored handle; null when it is not a well-formed local handle (it then counts as gone). */
export function parseLocalHandle(handle: SandboxHandle): LocalHandle | null {
  const h = handle as Partial<LocalHandle>
  if (h.backend !== 'local' || !isSafeSessionName(h.session)) return null
  if (!isPid(h.pid) || !isPid(h.childPid) || !isCount(h.pidStartTime) || !isCount(h.startTime)) return null
  if (typeof h.home !== 'string' || !isCount(h.uid)) return null
  if (h.cgroup !== undefined && typeof h.cgroup !== 'string') return null
  if (h.gid !== undefined && !isCount(h.gid)) return null
  if (h.externalHome !== undefined && h.externalHome !== true) return null
  if (h.cgroups !== undefined && !(Array.isArray(h.cgroups) && h.cgroups.every((c) => typeof c === 'string')))
    return null
  return h as LocalHandle
}
