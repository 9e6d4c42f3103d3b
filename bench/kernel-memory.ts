/**
 * Where the kernel's memory goes as sessions accumulate: the /proc/meminfo fields that grow with processes,
 * namespaces, cgroups and mounts, and the slab caches that grow most between two snapshots. Read by the
 * density figure to say which part of a session's cost is the kernel's, and which kernel structure it is.
 */
import { readFileSync } from 'node:fs'

const MiB = 2 ** 20

/** The meminfo fields of kernel memory that sessions add to (bytes), and the slab caches' sizes (bytes). */
export interface KernelMemory {
  fields: Record<string, number>
  slabs: Record<string, number>
}

/** The meminfo fields read: unreclaimable slab, per-cpu areas, kernel stacks, page tables, shmem (tmpfs). */
export const KERNEL_FIELDS = [
  'SUnreclaim',
  'SReclaimable',
  'Percpu',
  'KernelStack',
  'PageTables',
  'Shmem',
] as const

/** A snapshot of the {@link KERNEL_FIELDS} and of every slab cache (empty slabs when slabinfo is unreadable). */
export function kernelMemory(proc = '/proc'): KernelMemory {
  const fields: Record<string, number> = {}
  try {
    const text = readFileSync(`${proc}/meminfo`, 'utf8')
    for (const key of KERNEL_FIELDS) {
      const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)
      if (m) fields[key] = Number(m[1]) * 1024
    }
  } catch {
    // not Linux
  }
  const slabs: Record<string, number> = {}
  try {
    // "name active_objs num_objs objsize ...": root only.
    for (const line of readFileSync(`${proc}/slabinfo`, 'utf8').split('\n').slice(2)) {
      const [name, , numObjs, objSize] = line.split(/\s+/)
      if (name && numObjs && objSize) slabs[name] = Number(numObjs) * Number(objSize)
    }
  } catch {
    // unreadable without root
  }
  return { fields, slabs }
}

/**
 * The growth from `before` to `after` per session, in MiB: each field of {@link KERNEL_FIELDS}, and the
 * `topSlabs` slab caches that grew most (by name). Empty for no sessions.
 */
export function kernelGrowthPerSession(
  before: KernelMemory,
  after: KernelMemory,
  sessions: number,
  topSlabs = 10,
): { fields: Record<string, number>; slabs: Record<string, number> } {
  if (sessions <= 0) return { fields: {}, slabs: {} }
  const per = (a: number | undefined, b: number | undefined) => ((a ?? 0) - (b ?? 0)) / sessions / MiB
  const fields: Record<string, number> = {}
  for (const key of KERNEL_FIELDS)
    if (key in after.fields) fields[key] = per(after.fields[key], before.fields[key])
  const grown = Object.keys(after.slabs)
    .map((name) => [name, per(after.slabs[name], before.slabs[name])] as const)
    .sort((x, y) => y[1] - x[1])
    .slice(0, topSlabs)
  return { fields, slabs: Object.fromEntries(grown) }
}

/** "name 0.12 MiB, …" for a record of MiB figures, largest first. */
export function describeMiB(record: Record<string, number>): string {
  return Object.entries(record)
    .sort((x, y) => y[1] - x[1])
    .map(([name, v]) => `${name} ${v.toFixed(3)}`)
    .join(', ')
}
