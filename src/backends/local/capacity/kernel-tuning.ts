/**
 * Applies the raises `raisesFor` computed: kernel settings are written under `/proc/sys` (root only),
 * and labgate's own open-files limit is raised with util-linux's `prlimit` (above its hard limit: root
 * only). Node.js itself already lifts the soft limit to the hard one when it starts.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { limitOf } from './kernel-limits.js'
import type { Raise } from './session-capacity.js'

export interface TuningOptions {
  /** Where `sys/` is: `/proc`, or a directory laid out the same way in tests. */
  procRoot?: string
  /** The process whose open-files limit is raised; this one by default. */
  pid?: number
  /** util-linux's prlimit; default `/usr/bin/prlimit`. */
  prlimitPath?: string
}

/** What applying the raises did. */
export interface TuningResult {
  applied: Raise[]
  /** The raises that failed, with the system's reason (permission, a value out of range). */
  failed: { raise: Raise; reason: string }[]
}

/** Applies each raise; one that fails does not stop the others. Never throws. */
export function applyRaises(raises: readonly Raise[], o: TuningOptions = {}): TuningResult {
  const result: TuningResult = { applied: [], failed: [] }
  for (const r of raises) {
    const reason =
      r.limit === 'RLIMIT_NOFILE' ? raiseOpenFiles(r.to, o) : writeSetting(r, o.procRoot ?? '/proc')
    if (reason === null) result.applied.push(r)
    else result.failed.push({ raise: r, reason })
  }
  return result
}

function writeSetting(r: Raise, procRoot: string): string | null {
  if (r.limit === 'RLIMIT_NPROC') return 'RLIMIT_NPROC is not raised by labgate'
  try {
    writeFileSync(join(procRoot, 'sys', ...r.limit.split('.')), `${r.to}\n`)
    return null
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EACCES' || (e as NodeJS.ErrnoException).code === 'EPERM'
      ? 'only root may change it'
      : (e as Error).message
  }
}

function raiseOpenFiles(to: number, o: TuningOptions): string | null {
  const pid = o.pid ?? process.pid
  let hard: number | null = null
  try {
    hard = limitOf(
      readFileSync(join(o.procRoot ?? '/proc', String(pid), 'limits'), 'utf8'),
      'open files',
    ).hard
  } catch {
    // unknown: set both to `to`
  }
  // The hard limit is never lowered: only raised when `to` is above it (which takes root).
  const both = `--nofile=${to}:${Math.max(to, hard ?? to)}`
  const r = spawnSync(o.prlimitPath ?? '/usr/bin/prlimit', ['--pid', String(pid), both], {
    encoding: 'utf8',
    timeout: 10_000,
  })
  if (r.error) return `cannot run prlimit (${r.error.message}): install util-linux`
  if (r.status !== 0) return r.stderr.trim() || `prlimit exited with ${r.status}`
  return null
}
