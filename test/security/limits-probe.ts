/**
 * Test helpers for the sandbox-limit attacks: where a host process sits in each limited cgroup hierarchy
 * and what limit that cgroup has (read from /proc and the cgroup files themselves, independently of
 * labgate's code), and a sampler of labgate's API latency while an attack runs.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs'
import { join } from 'node:path'
import type { SandboxHandle } from '../../src/backends/backend.js'
import type { LocalBackend } from '../../src/backends/local/index.js'
import { runIn } from '../../src/backends/local/testing.js'

/** The controllers sandbox limits use. */
export const LIMITED = ['memory', 'pids', 'cpu'] as const
export type Limited = (typeof LIMITED)[number]

/** Mount points (and mounted roots) of the cgroup hierarchies: one per v1 controller, `''` for v2. */
function mounts(): Map<string, { root: string; point: string }> {
  const out = new Map<string, { root: string; point: string }>()
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [left, right] = line.split(' - ')
    const [fstype, , options] = right?.split(' ') ?? []
    const fields = left?.split(' ') ?? []
    const at = { root: fields[3] ?? '/', point: fields[4] ?? '' }
    if (fstype === 'cgroup2') out.set('', at)
    if (fstype === 'cgroup') for (const c of options?.split(',') ?? []) out.set(c, at)
  }
  return out
}

/**
 * The host directory of `pid`'s cgroup that carries `controller`: its v1 hierarchy where one carries it,
 * else its cgroup v2 directory.
 */
export function cgroupDirOf(pid: number, controller: Limited): string {
  const all = mounts()
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n')
  const v1 = lines.find((l) => l.split(':')[1]?.split(',').includes(controller))
  const line = v1 && all.has(controller) ? v1 : lines.find((l) => l.startsWith('0::'))
  const mount = all.get(v1 && all.has(controller) ? controller : '')
  if (!line || !mount) throw new Error(`no cgroup hierarchy for ${controller}`)
  const path = line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1)
  return join(mount.point, path.startsWith(mount.root) ? path.slice(mount.root.length) : path)
}

/** The limit of `controller` in cgroup `dir` (v1 or v2 files), as a number; Infinity when unlimited. */
export function limitIn(dir: string, controller: Limited): number {
  const read = (file: string) => {
    try {
      return readFileSync(join(dir, file), 'utf8').trim()
    } catch {
      return null
    }
  }
  const num = (text: string | null) => (text === null || text === 'max' ? Infinity : Number(text))
  if (controller === 'pids') return num(read('pids.max'))
  if (controller === 'memory') {
    const v1 = num(read('memory.limit_in_bytes'))
    return read('memory.max') !== null ? num(read('memory.max')) : v1 >= 2 ** 62 ? Infinity : v1
  }
  const v2 = read('cpu.max')
  if (v2 !== null) {
    const [quota, period] = v2.split(' ')
    return quota === 'max' ? Infinity : Number(quota) / Number(period)
  }
  const quota = num(read('cpu.cfs_quota_us'))
  return quota <= 0 ? Infinity : quota / num(read('cpu.cfs_period_us'))
}

/** Host pids whose command line is exactly `argv`. */
export function pidsRunning(argv: string[]): number[] {
  const want = argv.join('\0') + '\0'
  return pidsWhere((cmdline) => cmdline === want)
}

/** Host pids whose command line mentions `text` and whose working directory is `cwd`. */
export function pidsMentioning(text: string, cwd: string): number[] {
  return pidsWhere((cmdline, pid) => cmdline.includes(text) && readlinkSync(`/proc/${pid}/cwd`) === cwd)
}

function pidsWhere(test: (cmdline: string, pid: string) => boolean): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((pid) => {
      try {
        return test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), pid)
      } catch {
        return false
      }
    })
    .map(Number)
}

/** Latency figures of one probe, milliseconds. */
export interface Latency {
  name: string
  samples: number
  failures: number
  /** The first failure's message, if any. */
  error?: string
  p50: number
  max: number
}

/**
 * Calls each probe in turn, every `everyMs`, until `done` settles; returns their latency figures. A probe
 * that throws counts as a failure (and its time still counts).
 */
export async function sampleWhile(
  done: Promise<unknown>,
  probes: Record<string, () => Promise<void>>,
  everyMs = 100,
): Promise<Latency[]> {
  const times: Record<string, number[]> = {}
  const failures: Record<string, number> = {}
  const errors: Record<string, string> = {}
  let finished = false
  void done.finally(() => (finished = true))
  while (!finished) {
    for (const [name, probe] of Object.entries(probes)) {
      const start = performance.now()
      await probe().catch((err: Error) => {
        failures[name] = (failures[name] ?? 0) + 1
        errors[name] ??= err.message
      })
      ;(times[name] ??= []).push(performance.now() - start)
    }
    await new Promise((r) => setTimeout(r, everyMs))
  }
  await done.catch(() => undefined)
  return Object.entries(times).map(([name, t]) => {
    const sorted = [...t].sort((a, b) => a - b)
    return {
      name,
      samples: t.length,
      failures: failures[name] ?? 0,
      ...(errors[name] ? { error: errors[name] } : {}),
      p50: Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0),
      max: Math.round(sorted[sorted.length - 1] ?? 0),
    }
  })
}

/** A probe: `echo` through a second session's sandbox (a process started in it, as a command runs). */
export function echoIn(backend: LocalBackend, handle: SandboxHandle): () => Promise<void> {
  return async () => {
    const r = await runIn(backend, handle, 'echo alive')
    if (r.stdout !== 'alive\n') throw new Error(`echo answered ${JSON.stringify(r)}`)
  }
}

/** A probe: an HTTP GET that must answer 200. */
export function get(url: string, headers: Record<string, string> = {}): () => Promise<void> {
  return async () => {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(30_000) })
    await res.arrayBuffer()
    if (res.status !== 200) throw new Error(`${url}: ${res.status}`)
  }
}
