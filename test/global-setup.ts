/**
 * Vitest's global setup: after the whole run, removes the session cgroups the run's labgates left behind.
 * Many tests end their labgate without stopping each session (the point of some of them), and a
 * sandbox killed that way leaves its empty cgroup directories; on a machine that runs the suite again
 * and again they pile up, and each one left costs the kernel memory and slows every later sandbox start
 * (about 30 % with a hundred of them in the benchmarks). Only cgroups made during this run go, and only
 * empty ones: another labgate's on the same machine, or one that still holds a process, stays.
 */
import { removeCgroupDir } from '../src/backends/local/cgroup-files.js'
import { SandboxCgroups } from '../src/backends/local/cgroup.js'

export default async function setup(): Promise<() => Promise<void>> {
  const cgroups = new SandboxCgroups({ log: () => {} })
  const before = new Set(await cgroups.sessionCgroupDirs())
  return async () => {
    const left = (await cgroups.sessionCgroupDirs()).filter((dir) => !before.has(dir))
    let removed = 0
    for (const dir of left) if (await removeCgroupDir(dir, { waitForExit: true })) removed++
    if (left.length > 0)
      console.log(`test teardown: removed ${removed} of ${left.length} session cgroups the tests left behind`)
  }
}
