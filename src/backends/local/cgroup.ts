import { readFileSync } from 'node:fs'
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import type { SandboxSpec } from '../backend.js'

type Limits = NonNullable<SandboxSpec['limits']>

/** Where session cgroups go: a cgroup v2 directory whose subtree has the `memory` and `pids` controllers. */
export type CgroupSupport = { ok: true; parent: string } | { ok: false; reason: string }

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
 * Applies memory and pids limits through cgroup v2, one child cgroup per session (`<parent>/labgate-<session>`)
 * under labgate's own cgroup, when the machine delegates those controllers to labgate. On machines that do
 * not (cgroup v1 or hybrid without them, no write access), every method degrades to warnings.
 */
export class SandboxCgroups {
  #support: Promise<CgroupSupport> | undefined

  constructor(
    private readonly opts: {
      log: (msg: string) => void
      /** Override the detected parent directory (tests point this at a fake cgroup tree). */
      parent?: string
    },
  ) {}

  /** Detects (once) whether limits can be applied and where. Never throws. */
  support(): Promise<CgroupSupport> {
    this.#support ??=
      this.opts.parent !== undefined ? enable(this.opts.parent, this.opts.log) : detect(this.opts.log)
    return this.#support
  }

  /**
   * Creates the session's cgroup with the requested limits. Returns its path (undefined when nothing was
   * applied) and a warning for each limit that could not be applied. Never throws.
   */
  async create(session: string, limits: Limits | undefined): Promise<{ path?: string; warnings: string[] }> {
    const wanted = Object.entries({ 'memory.max': limits?.memoryBytes, 'pids.max': limits?.pids }).filter(
      (e): e is [string, number] => e[1] !== undefined,
    )
    if (wanted.length === 0) return { warnings: [] }
    const support = await this.support()
    if (!support.ok)
      return { warnings: wanted.map(([file, v]) => `${file}=${v} not applied: ${support.reason}`) }
    const path = join(support.parent, `labgate-${session}`)
    const warnings: string[] = []
    try {
      await mkdir(path, { recursive: true })
    } catch (err) {
      return { warnings: wanted.map(([file, v]) => `${file}=${v} not applied: ${(err as Error).message}`) }
    }
    for (const [file, value] of wanted) {
      await writeFile(join(path, file), String(value)).catch((err: Error) => {
        warnings.push(`${file}=${value} not applied: ${err.message}`)
      })
    }
    return { path, warnings }
  }

  /** Moves processes into a session cgroup. Best effort: a pid that is already gone is skipped. */
  async attach(path: string, pids: number[]): Promise<void> {
    for (const pid of pids) {
      await writeFile(join(path, 'cgroup.procs'), String(pid)).catch(() => undefined)
    }
  }

  /**
   * Removes a session cgroup made by {@link create}; retries briefly while its last processes are reaped.
   * Refuses paths that are not `labgate-<session>` directories. Never throws; logs what it leaves behind.
   */
  async remove(path: string, session: string): Promise<void> {
    if (basename(path) !== `labgate-${session}`) return
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        await rmdir(path)
        return
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code
        if (code === 'ENOENT') return
        if (code !== 'EBUSY') break
        await new Promise((r) => setTimeout(r, 5 * (attempt + 1)))
      }
    }
    this.opts.log(`local backend: could not remove cgroup ${path}`)
  }
}

async function detect(log: (msg: string) => void): Promise<CgroupSupport> {
  let mount: string | null
  let own: string | null
  try {
    mount = cgroup2Mount(readFileSync('/proc/self/mountinfo', 'utf8'))
    own = ownCgroupPath(readFileSync('/proc/self/cgroup', 'utf8'))
  } catch (err) {
    return { ok: false, reason: `cannot read /proc: ${(err as Error).message}` }
  }
  if (!mount || own === null) return { ok: false, reason: 'no cgroup v2 hierarchy on this machine' }
  return enable(join(mount, own), log)
}

/**
 * Makes `parent`'s children get the memory and pids controllers. cgroup v2 forbids that while `parent` itself
 * holds processes (unless it is the root), so labgate then moves itself into a `labgate` leaf first, as a
 * delegated service does.
 */
async function enable(parent: string, log: (msg: string) => void): Promise<CgroupSupport> {
  const controllers = (await readFile(join(parent, 'cgroup.controllers'), 'utf8').catch(() => '')).split(
    /\s+/,
  )
  const missing = ['memory', 'pids'].filter((c) => !controllers.includes(c))
  if (missing.length > 0) {
    return { ok: false, reason: `cgroup v2 controller(s) ${missing.join(', ')} not available in ${parent}` }
  }
  const subtree = join(parent, 'cgroup.subtree_control')
  const enabled = (await readFile(subtree, 'utf8').catch(() => '')).split(/\s+/)
  if (enabled.includes('memory') && enabled.includes('pids')) return { ok: true, parent }
  try {
    await writeFile(subtree, '+memory +pids')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EBUSY') {
      return { ok: false, reason: `cannot enable controllers in ${subtree}: ${(err as Error).message}` }
    }
    try {
      await mkdir(join(parent, 'labgate'), { recursive: true })
      await writeFile(join(parent, 'labgate', 'cgroup.procs'), String(process.pid))
      log(`local backend: moved labgate into ${join(parent, 'labgate')} to delegate cgroup controllers`)
      await writeFile(subtree, '+memory +pids')
    } catch (err2) {
      return { ok: false, reason: `cannot enable controllers in ${subtree}: ${(err2 as Error).message}` }
    }
  }
  return { ok: true, parent }
}
