import { createHash } from 'node:crypto'
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'

/**
 * The directory name of a session's cgroup in every hierarchy: `labgate-<session>@<instance>`, where
 * `instance` tells apart labgates (data directories) that share a machine and so a v1 hierarchy's root;
 * `labgate-<session>` without one (earlier versions, tests).
 */
export function sessionCgroupName(session: string, instance?: string): string {
  return instance ? `labgate-${session}@${instance}` : `labgate-${session}`
}

/** The `instance` of a data directory's session cgroups: a short hash of its absolute path. */
export function cgroupInstance(dataDir: string): string {
  return createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 8)
}

/** Creates `<parent>/<name>`; rejects with the error of mkdir. */
export async function makeSessionCgroup(parent: string, name: string): Promise<string> {
  const dir = join(parent, name)
  await mkdir(dir, { recursive: true })
  return dir
}

/** Writes each `[file, value]` in `dir`, in order; returns a warning per write that failed. */
export async function writeLimitFiles(dir: string, files: [string, string][]): Promise<string[]> {
  const warnings: string[] = []
  for (const [file, value] of files) {
    await writeFile(join(dir, file), value).catch((err: Error) => {
      warnings.push(`${file}=${value} not applied: ${err.message}`)
    })
  }
  return warnings
}

/**
 * Moves processes into every cgroup of `dirs` (a process is in one cgroup per hierarchy). Best effort: a
 * pid that is already gone is skipped. Works for v1 and v2 alike.
 */
export async function attachToCgroups(dirs: readonly string[], pids: readonly number[]): Promise<void> {
  for (const dir of dirs) {
    for (const pid of pids) {
      await writeFile(join(dir, 'cgroup.procs'), String(pid)).catch(() => undefined)
    }
  }
}

/**
 * Removes a session's cgroups; retries briefly while their last processes are reaped. Skips paths that are
 * not the session's cgroup directories (see {@link sessionCgroupName}). Never throws; logs what it leaves
 * behind.
 */
export async function removeCgroups(
  dirs: readonly string[],
  session: string,
  instance: string | undefined,
  log: (msg: string) => void,
): Promise<void> {
  const names = [sessionCgroupName(session), sessionCgroupName(session, instance)]
  for (const dir of dirs) {
    if (!names.includes(basename(dir))) continue
    if (!(await removeCgroupDir(dir, { waitForExit: true })))
      log(`local backend: could not remove cgroup ${dir}`)
  }
}

/**
 * Frees the memory the kernel still charges to a memory cgroup whose processes are gone (page cache they
 * read: v1's `memory.force_empty`, v2's `memory.reclaim`), so that the cgroup goes with its rmdir. Else it
 * lingers as a dying cgroup until that memory is reclaimed, and keeps the kernel memory of a live one: a
 * slot for every filesystem on the host (thousands of sessions came and went: gigabytes). A no-op on
 * other controllers' directories, and on a cgroup that still holds a process. Never throws.
 */
export async function releaseCharges(dir: string): Promise<void> {
  const procs = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => null)
  if (procs === null || procs.trim() !== '') return
  await writeFile(join(dir, 'memory.force_empty'), '0').catch(() => undefined)
  await writeFile(join(dir, 'memory.reclaim'), String(2 ** 40)).catch(() => undefined)
}

/**
 * Removes one cgroup directory, its memory charges released first. A cgroup that still holds a process
 * refuses (EBUSY): with `waitForExit` it is retried for about a second while its last processes are
 * reaped, else it stays at once. Resolves with whether it is gone; never throws.
 */
export async function removeCgroupDir(dir: string, opts: { waitForExit: boolean }): Promise<boolean> {
  await releaseCharges(dir)
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      await rmdir(dir)
      return true
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'ENOENT') return true
      if (code !== 'EBUSY' || !opts.waitForExit) return false
      await new Promise((r) => setTimeout(r, 5 * (attempt + 1)))
    }
  }
  return false
}
