/**
 * The memory of the peer's processes, from one snapshot of /proc: each single-user server with everything
 * it started (its process tree), and the hub and proxy themselves.
 */
import { readFileSync } from 'node:fs'
import { allProcs, descendants, memoryOf, type Proc } from '../procs.js'

const MIB = 2 ** 20

/** The memory of one process tree, in bytes: RSS (the performance document's measure) and PSS. */
export interface TreeMemory {
  processes: number
  rss: number
  pss: number
  /** False when a process had no smaps_rollup and its RSS stood in for its PSS. */
  pssKnown: boolean
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
  } catch {
    return ''
  }
}

/** The user a single-user server runs for (its JUPYTERHUB_USER), or null. */
function serverUser(pid: number): string | null {
  try {
    const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')
    return env.find((e) => e.startsWith('JUPYTERHUB_USER='))?.slice('JUPYTERHUB_USER='.length) ?? null
  } catch {
    return null
  }
}

function treeMemory(procs: Proc[]): TreeMemory {
  const out: TreeMemory = { processes: 0, rss: 0, pss: 0, pssKnown: true }
  for (const p of procs) {
    const m = memoryOf(p.pid)
    if (!m) continue
    out.processes++
    out.rss += m.rss
    out.pss += m.pss
    out.pssKnown &&= m.pssKnown
  }
  return out
}

/** The memory of the hub's processes at one moment. */
export interface HubMemory {
  /** Per user: their single-user server and its descendants. */
  servers: Map<string, TreeMemory>
  /** The hub process alone. */
  hub: TreeMemory
  /** configurable-http-proxy (a node process, child of the hub). */
  proxy: TreeMemory
}

/** One snapshot of the hub's processes: the hub, the proxy, and every single-user server's tree. */
export function hubMemory(hubPid: number): HubMemory {
  const procs = allProcs().filter((p) => p.state !== 'Z')
  const children = descendants(hubPid, procs).filter((p) => p.ppid === hubPid)
  const servers = new Map<string, TreeMemory>()
  const proxy: Proc[] = []
  for (const c of children) {
    const cmd = cmdline(c.pid)
    const tree = [c, ...descendants(c.pid, procs)]
    if (cmd.includes('jupyterhub-singleuser'))
      servers.set(serverUser(c.pid) ?? `pid ${c.pid}`, treeMemory(tree))
    else if (cmd.includes('configurable-http-proxy')) proxy.push(...tree)
  }
  const hub = procs.find((p) => p.pid === hubPid)
  return { servers, hub: treeMemory(hub ? [hub] : []), proxy: treeMemory(proxy) }
}

/** Bytes as MiB with one decimal. */
export const mib = (bytes: number): number => Math.round((bytes / MIB) * 10) / 10
