/**
 * Reads which cgroup hierarchies this machine mounts and where labgate sits in each, from the text of
 * /proc/self/mountinfo and /proc/self/cgroup. Pure functions: the callers read the files.
 */
import { join } from 'node:path'

/** The controllers labgate limits sandboxes with. */
export type LimitKind = 'memory' | 'pids' | 'cpu'

/** Every {@link LimitKind}, in the order limits are reported. */
export const LIMIT_KINDS: readonly LimitKind[] = ['memory', 'pids', 'cpu']

/** Finds the cgroup v2 mount point in the text of /proc/self/mountinfo; null when there is none. */
export function cgroup2Mount(mountinfo: string): string | null {
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ')
    if (right?.startsWith('cgroup2 ')) return left?.split(' ')[4] ?? null
  }
  return null
}

/** labgate's own cgroup v2 path (the `0::<path>` line of /proc/self/cgroup); null on a v1-only machine. */
export function ownCgroupPath(procSelfCgroup: string): string | null {
  const line = procSelfCgroup.split('\n').find((l) => l.startsWith('0::'))
  return line ? line.slice(3) : null
}

/**
 * The directory of labgate's own cgroup in the cgroup v1 hierarchy that carries `controller`, or null when
 * no v1 hierarchy carries it. `mountinfo` gives the mount point and the mount's root (a container may
 * mount a sub-tree), `procSelfCgroup` labgate's path in that hierarchy.
 */
export function ownV1Directory(
  mountinfo: string,
  procSelfCgroup: string,
  controller: LimitKind,
): string | null {
  let mount: { root: string; point: string } | null = null
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ')
    const [fstype, , options] = right?.split(' ') ?? []
    if (fstype !== 'cgroup' || !options?.split(',').includes(controller)) continue
    const fields = left?.split(' ') ?? []
    mount = { root: fields[3] ?? '/', point: fields[4] ?? '' }
    break
  }
  if (!mount) return null
  for (const line of procSelfCgroup.split('\n')) {
    const match = /^\d+:([^:]*):(.*)$/.exec(line)
    if (!match || !match[1]?.split(',').includes(controller)) continue
    const path = match[2] ?? '/'
    const inside =
      mount.root === '/' ? path : path.startsWith(mount.root) ? path.slice(mount.root.length) : null
    return inside === null ? null : join(mount.point, inside).replace(/(.)\/$/, '$1')
  }
  return null
}
