import { readdirSync, readlinkSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { LabgateError } from '../../domain/errors.js'
import type { LocalHandle } from './handle.js'
import { isAliveSync, readProcStatSync } from './proc.js'

/**
 * Thrown when what listens on a port of the host's loopback is not the session's own: its message may be
 * shown to the browser (`detail.visible`).
 */
export const foreignListener = (session: string, port: number) =>
  new LabgateError(
    'backend_failed',
    `Port ${port} on this host is held by a program outside session ${session} (its sandbox shares the ` +
      `host's network): labgate will not send this session's requests there`,
    { visible: true },
  )

/** Listeners found for a port, by socket inode, and whether the last scan found them all the session's. */
const verified = new Map<string, string>()

/**
 * For a sandbox on the host's network (`network: host`), where `127.0.0.1:<port>` is whatever process of
 * the host listens there: checks that every TCP listener that a connection to `127.0.0.1:<port>` may reach
 * (on 127.0.0.1, 0.0.0.0, `::` or `::ffff:127.0.0.1`, found in `/proc/net/tcp` and `tcp6`) is held by a
 * process of this sandbox (in its pid namespace, or a descendant of such a process), so that another
 * session, or any program of the host, never gets this session's requests. Resolves when nothing listens
 * (the connection then fails on its own) or every listener is the sandbox's; throws {@link foreignListener}
 * otherwise, `LabgateError('unavailable')` when the sandbox is gone. The listeners are read on every call
 * (off the event loop: the kernel walks its whole socket table for them, several ms here); the scan of the
 * sandbox's processes is kept while the same sockets listen. A listener swapped between this check and the
 * connection is not caught.
 */
export async function checkHostListener(h: LocalHandle, port: number): Promise<void> {
  const inodes = await listenersOn(port)
  if (inodes.length === 0) return
  const key = `${h.session}\0${h.childPid}\0${port}`
  const seen = inodes.join(',')
  if (verified.get(key) === seen && isAliveSync(h.childPid, h.startTime)) return
  verified.delete(key)
  const held = socketsHeldBySandbox(h, new Set(inodes))
  if (inodes.some((i) => !held.has(i))) throw foreignListener(h.session, port)
  verified.set(key, seen)
  if (verified.size > 10_000) verified.delete(verified.keys().next().value!)
}

const LOOPBACK_V4 = new Set(['0100007F', '00000000'])
const LOOPBACK_V6 = new Set(['00000000000000000000000000000000', '0000000000000000FFFF00000100007F'])

/** The socket inodes of TCP listeners that a connection to `127.0.0.1:<port>` may reach. */
async function listenersOn(port: number): Promise<string[]> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0')
  const found: string[] = []
  const tables = await Promise.all(
    ['/proc/net/tcp', '/proc/net/tcp6'].map((file) => readFile(file, 'latin1').catch(() => '')), // '' without IPv6
  )
  for (const [text, addresses] of [
    [tables[0]!, LOOPBACK_V4],
    [tables[1]!, LOOPBACK_V6],
  ] as const) {
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/)
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      if (f.length < 10 || f[3] !== '0A') continue
      const [address, p] = f[1]!.split(':')
      if (p === hexPort && addresses.has(address!)) found.push(f[9]!)
    }
  }
  return found.sort()
}

/** Which of `inodes` (socket inodes) a process of the sandbox of `h` holds open. */
function socketsHeldBySandbox(h: LocalHandle, inodes: Set<string>): Set<string> {
  let ns: string
  try {
    const st = statSync(`/proc/${h.childPid}/ns/pid`)
    ns = `${st.dev}:${st.ino}`
  } catch {
    throw new LabgateError('unavailable', `the sandbox of ${h.session} is not running`)
  }
  if (!isAliveSync(h.childPid, h.startTime))
    throw new LabgateError('unavailable', `the sandbox of ${h.session} is not running`)
  const members = sandboxPids(ns)
  const held = new Set<string>()
  for (const pid of members) {
    let fds: string[]
    try {
      fds = readdirSync(`/proc/${pid}/fd`)
    } catch {
      continue // gone meanwhile
    }
    for (const fd of fds) {
      let target: string
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`)
      } catch {
        continue
      }
      const m = /^socket:\[(\d+)\]$/.exec(target)
      if (m && inodes.has(m[1]!)) held.add(m[1]!)
    }
    if (held.size === inodes.size) break
  }
  return held
}

/**
 * The pids of the processes in the pid namespace `ns` (`dev:ino` of its `ns/pid` file) and of their
 * descendants (which may sit in namespaces nested below it).
 */
function sandboxPids(ns: string): number[] {
  const members = new Set<number>()
  const parents = new Map<number, number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const pid = Number(entry)
    try {
      const st = statSync(`/proc/${pid}/ns/pid`)
      if (`${st.dev}:${st.ino}` === ns) {
        members.add(pid)
        continue
      }
    } catch {
      continue // gone, or a kernel thread
    }
    const stat = readProcStatSync(pid)
    if (stat) parents.set(pid, stat.ppid)
  }
  // Descendants in nested pid namespaces: walk up the parents until a member or the top.
  for (const pid of parents.keys()) {
    const chain: number[] = []
    let p: number | undefined = pid
    while (p !== undefined && p > 1 && !members.has(p) && chain.length < 64) {
      chain.push(p)
      p = parents.get(p)
    }
    if (p !== undefined && members.has(p)) for (const c of chain) members.add(c)
  }
  return [...members]
}
