import { afterEach, describe, expect, it } from 'vitest'
import { readHostLimits, PID_MAX_LIMIT } from '../../src/backends/local/capacity/kernel-limits.js'
import {
  MEMORY_SPARE_MIB,
  headroom,
  memorySessions,
  raisesFor,
} from '../../src/backends/local/capacity/session-capacity.js'
import { ProcStandIn } from './proc-stand-in.js'

const FOOTPRINT = { processes: 5, ptys: 1, labgateFds: 2, namespaces: 1 }
let proc: ProcStandIn | undefined
afterEach(() => proc?.remove())

describe('the host limits', () => {
  it('are read from /proc, with what is in use', () => {
    proc = new ProcStandIn(undefined, { openFiles: [1024, 4096], fds: 12, threads: 300 })
    const l = readHostLimits(proc.root)
    expect(l.settings['kernel.pty.max']).toBe(4096)
    expect(l.settings['user.max_net_namespaces']).toBe(96367)
    expect(l).toMatchObject({
      ptysInUse: 3,
      threadsInUse: 300,
      filesInUse: 900,
      nrOpen: 1048576,
      openFiles: { soft: 1024, hard: 4096, inUse: 12 },
      processesPerUser: 96367,
    })
  })

  it('are read from the real /proc of this machine', () => {
    const l = readHostLimits()
    expect(l.settings['kernel.pty.max']).toBeGreaterThan(0)
    expect(l.settings['kernel.pid_max']).toBeGreaterThan(300)
    expect(l.openFiles.soft).toBeGreaterThan(0)
    expect(l.openFiles.inUse).toBeGreaterThan(2)
  })

  it('leave out what cannot be read instead of failing', () => {
    proc = new ProcStandIn({ 'kernel.pty.max': 100 })
    const l = readHostLimits(proc.root, 424242)
    expect(l.settings['kernel.pid_max']).toBeNull()
    expect(l.openFiles).toEqual({ soft: null, hard: null, inUse: null })
    expect(headroom(l, FOOTPRINT).map((h) => h.limit)).toEqual(['kernel.pty.max'])
  })
})

describe('session headroom', () => {
  it("puts Debian's defaults' first wall at the pty table, then pids, then labgate's open files", () => {
    proc = new ProcStandIn(undefined, { fds: 30, threads: 250 })
    const rows = headroom(readHostLimits(proc.root), FOOTPRINT)
    expect(rows.slice(0, 3).map((h) => [h.limit, h.sessions])).toEqual([
      ['kernel.pty.max', 4093], // 4,096 less the 3 open
      ['kernel.pid_max', 6103], // (32,768 − 2,000 spare − 250) / 5
      ['RLIMIT_NOFILE', 9473], // (20,000 − 1,024 spare − 30) / 2
    ])
    expect(rows.map((h) => h.sessions)).toEqual([...rows.map((h) => h.sessions)].sort((a, b) => a - b))
  })

  it('counts live sessions in: their use is already part of what is in use', () => {
    proc = new ProcStandIn(undefined, { threads: 250 + 1000 * 5 })
    proc.set('kernel.pty.nr', 1003)
    const rows = headroom(readHostLimits(proc.root), FOOTPRINT, 1000)
    expect(rows.find((h) => h.limit === 'kernel.pty.max')?.sessions).toBe(1000 + 3093)
    expect(rows.find((h) => h.limit === 'kernel.pid_max')?.sessions).toBe(1000 + 5103)
  })
})

describe('memory headroom', () => {
  const memory = { linearMiB: 1.25, filesystems: 5, memoryCgroup: true }
  /** What n more sessions cost beside `live`: their own memory and the memory cgroups' slots (MiB). */
  const cost = (n: number, live = 0) =>
    n * memory.linearMiB + ((live + n) ** 2 - live ** 2) * (memory.filesystems / 65_536)

  it('is linear without a memory cgroup per session', () => {
    expect(memorySessions({ ...memory, memoryCgroup: false }, 1_000)).toBe(800)
    expect(memorySessions(memory, 0)).toBe(0)
  })

  it('pays the memory cgroups’ slots, which grow with the square of the sessions', () => {
    for (const [available, live] of [
      [21_500, 0],
      [12_000, 4_000],
      [300, 9_000],
    ] as const) {
      const n = memorySessions(memory, available, live)
      expect(cost(n, live)).toBeLessThanOrEqual(available)
      expect(cost(n + 1, live)).toBeGreaterThan(available)
    }
    // On a 24 GiB host with 23 GiB available: about 10,600 sessions, not the 17,000 a linear cost gives.
    expect(memorySessions(memory, 23_000 - MEMORY_SPARE_MIB)).toBeGreaterThan(10_000)
    expect(memorySessions(memory, 23_000 - MEMORY_SPARE_MIB)).toBeLessThan(11_000)
  })

  it('is a row of the headroom where MemAvailable is known, never raised', () => {
    proc = new ProcStandIn(undefined, { memAvailableKiB: 6_000 * 1024 })
    const limits = readHostLimits(proc.root)
    expect(limits.memAvailableMiB).toBe(6_000)
    const rows = headroom(limits, { ...FOOTPRINT, memory })
    const row = rows.find((h) => h.limit === 'MemAvailable')
    expect(row).toMatchObject({ value: 6_000, spare: MEMORY_SPARE_MIB, perSession: 1.25 })
    expect(row?.sessions).toBe(memorySessions(memory, 6_000 - MEMORY_SPARE_MIB))
    // 6,000 MiB is the first wall here, before the pty table.
    expect(rows[0]?.limit).toBe('MemAvailable')
    expect(raisesFor(limits, { ...FOOTPRINT, memory }, 10_000).map((r) => r.limit)).not.toContain(
      'MemAvailable',
    )
    // Without a meminfo, or without a memory footprint, there is no memory row.
    expect(headroom(limits, FOOTPRINT).map((h) => h.limit)).not.toContain('MemAvailable')
  })
})

describe('raises for a number of sessions', () => {
  it('raises only what is short, with room to spare', () => {
    proc = new ProcStandIn(undefined, { fds: 30, threads: 250 })
    const raises = raisesFor(readHostLimits(proc.root), FOOTPRINT, 10_000)
    expect(raises).toEqual([
      { limit: 'kernel.pty.max', from: 4096, to: 3 + 12_500 },
      { limit: 'kernel.pid_max', from: 32768, to: 250 + 62_500 + 2_000 },
      { limit: 'RLIMIT_NOFILE', from: 20000, to: 30 + 25_000 + 1_024 },
    ])
    expect(raisesFor(readHostLimits(proc.root), FOOTPRINT, 1_000)).toEqual([])
  })

  it('never asks past what the kernel accepts', () => {
    proc = new ProcStandIn({ 'kernel.pid_max': 32768, 'fs.nr_open': 50_000 })
    const raises = raisesFor(readHostLimits(proc.root), FOOTPRINT, 1_000_000)
    expect(raises.find((r) => r.limit === 'kernel.pid_max')?.to).toBe(PID_MAX_LIMIT)
    expect(raises.find((r) => r.limit === 'RLIMIT_NOFILE')?.to).toBe(50_000)
  })
})
