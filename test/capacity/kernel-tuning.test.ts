/**
 * Applying raises: kernel settings are written where `/proc/sys` is (a stand-in directory here: the tests
 * do not change this machine's kernel), and a process's open-files limit is raised for real with
 * util-linux's prlimit, on a child process.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { checkHostCapacity } from '../../src/backends/local/capacity/host-check.js'
import { limitOf } from '../../src/backends/local/capacity/kernel-limits.js'
import { applyRaises } from '../../src/backends/local/capacity/kernel-tuning.js'
import { ProcStandIn } from './proc-stand-in.js'

let proc: ProcStandIn | undefined
/** Pinned (the local default depends on root and the native spawner): four processes a session. */
const footprint = { processes: 4, ptys: 1, labgateFds: 2, namespaces: 1 }
const children: { kill(): void }[] = []
afterEach(() => {
  proc?.remove()
  children.splice(0).forEach((c) => c.kill())
})

const sleeper = () => {
  const c = spawn('sleep', ['60'], { stdio: 'ignore' })
  children.push(c)
  return c.pid!
}
/** Whether this process has CAP_SYS_RESOURCE (bit 24), without which no hard limit can be raised. */
function mayRaiseHardLimits(): boolean {
  const eff = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '0'
  return (BigInt(`0x${eff}`) & (1n << 24n)) !== 0n
}
const openFilesOf = (pid: number) => limitOf(readFileSync(`/proc/${pid}/limits`, 'utf8'), 'open files')

describe('applying raises', () => {
  it('writes kernel settings and says which it could not', () => {
    proc = new ProcStandIn()
    const r = applyRaises(
      [
        { limit: 'kernel.pty.max', from: 4096, to: 12_503 },
        { limit: 'user.max_pid_namespaces', from: 96367, to: 100_000 },
      ],
      { procRoot: proc.root },
    )
    expect(proc.get('kernel.pty.max')).toBe(12_503)
    expect(r.applied.map((a) => a.limit)).toEqual(['kernel.pty.max', 'user.max_pid_namespaces'])
    const missing = applyRaises([{ limit: 'kernel.pid_max', from: 1, to: 2 }], { procRoot: '/nonexistent' })
    expect(missing.applied).toEqual([])
    expect(missing.failed[0]?.reason).toMatch(/ENOENT/)
  })

  it("raises a process's open-files limit with prlimit, never lowering its hard limit", () => {
    const pid = sleeper()
    const { soft, hard } = openFilesOf(pid)
    const to = Math.min(hard!, soft! + 10)
    const r = applyRaises([{ limit: 'RLIMIT_NOFILE', from: soft!, to }], { pid })
    expect(r.failed).toEqual([])
    expect(openFilesOf(pid)).toEqual({ soft: to, hard })
  })

  it('raises the hard open-files limit only with CAP_SYS_RESOURCE, else says why and changes nothing', () => {
    const pid = sleeper()
    const before = openFilesOf(pid)
    const to = before.hard! + 1000
    const r = applyRaises([{ limit: 'RLIMIT_NOFILE', from: before.hard!, to }], { pid })
    if (mayRaiseHardLimits()) {
      expect(r.failed).toEqual([])
      expect(openFilesOf(pid)).toEqual({ soft: to, hard: to })
    } else {
      expect(r.failed[0]?.reason).toMatch(/not permitted/i)
      expect(openFilesOf(pid)).toEqual(before)
    }
  })

  it('reports a prlimit that fails', () => {
    const r = applyRaises([{ limit: 'RLIMIT_NOFILE', from: 1, to: 2 }], { pid: 999_999_999 })
    expect(r.failed).toHaveLength(1)
  })
})

describe('the start-up check', () => {
  it('logs what the limits allow, and warns when the portal may run more', () => {
    proc = new ProcStandIn(undefined, { fds: 30, threads: 250 })
    const lines: string[] = []
    const rows = checkHostCapacity({
      planned: 5_000,
      tune: false,
      log: (m) => lines.push(m),
      tuning: { procRoot: proc.root },
    })
    expect(rows[0]?.limit).toBe('kernel.pty.max')
    expect(lines[0]).toBe(
      "capacity: this host's limits allow about 4,093 live sessions (then ptys run out: kernel.pty.max = 4,096, 1 a session)",
    )
    expect(lines[1]).toMatch(
      /^warning: the portal may run 5,000 sessions.*labgate tune --sessions 5000.*--tune-kernel/,
    )
    lines.length = 0
    checkHostCapacity({
      planned: 1_000,
      tune: false,
      log: (m) => lines.push(m),
      tuning: { procRoot: proc.root },
    })
    expect(lines).toHaveLength(1)
  })

  it('with tuning, raises first and then finds room for the sessions planned', () => {
    proc = new ProcStandIn(undefined, { fds: 30, threads: 250 })
    const lines: string[] = []
    const pid = sleeper()
    const rows = checkHostCapacity({
      planned: 8_000,
      tune: true,
      log: (m) => lines.push(m),
      // The stand-in's kernel, and a real process's open-files limit (its hard limit caps the raise).
      tuning: { procRoot: proc.root, pid },
      footprint,
    })
    expect(proc.get('kernel.pty.max')).toBe(3 + 10_000)
    expect(proc.get('kernel.pid_max')).toBe(250 + 8_000 * footprint.processes * 1.25 + 2_000)
    expect(lines).toContain('tuned for 8,000 sessions: kernel.pty.max 4,096 → 10,003')
    expect(rows.find((h) => h.limit === 'kernel.pty.max')!.sessions).toBeGreaterThanOrEqual(8_000)
    expect(rows.find((h) => h.limit === 'kernel.pid_max')!.sessions).toBeGreaterThanOrEqual(8_000)
  })
})
