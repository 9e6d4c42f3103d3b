/**
 * Attack surface: a portal that says nothing about limits. Its sandboxes must still have memory, pids and
 * CPU limits on this machine (cgroup v1 hierarchies here, v2 where delegated), and labgate must not start
 * silently when it cannot apply them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LocalHandle } from '../../src/backends/local/index.js'
import { SandboxCgroups } from '../../src/backends/local/cgroup.js'
import { eventually, startHarness, type Harness } from '../harness.js'
import { LIMITED, cgroupDirOf, limitIn } from './limits-probe.js'

let h: Harness
let handle: LocalHandle
const logs: string[] = []

beforeAll(async () => {
  // The harness writes no `spec.labgate.sandbox` block: every limit takes its default.
  h = await startHarness(
    { workshops: [{ name: 'lab', capacity: 1, reserved: 1 }] },
    { log: (m) => logs.push(m) },
  )
  const reserve = await eventually('a waiting reserve', async () => {
    const [s] = await h.lg.deps.store.listSessions({ states: ['WAITING'] })
    return s?.handle ? s : null
  })
  handle = reserve.handle as unknown as LocalHandle
}, 30_000)
afterAll(async () => h?.close())

describe('sandbox limits', () => {
  it('are on by default: memory, pids and CPU limits apply to a sandbox of a portal that names none', () => {
    const limits = Object.fromEntries(LIMITED.map((c) => [c, limitIn(cgroupDirOf(handle.childPid, c), c)]))
    expect(limits).toEqual({ memory: 2 * 1024 ** 3, pids: 1024, cpu: 1 })
    for (const controller of LIMITED) {
      expect(cgroupDirOf(handle.childPid, controller)).toMatch(
        new RegExp(`/labgate-${handle.session}(@[0-9a-f]+)?$`),
      )
    }
  })

  it('are applied without a warning on this machine', () => {
    // (The start-up line on how many sessions the host's kernel limits allow is not about sandbox limits.)
    expect(logs.filter((m) => /limit|cgroup/.test(m) && !m.startsWith('capacity:'))).toEqual([])
  })

  it('that cannot be applied are announced once at start-up, with what to do', async () => {
    const none = new SandboxCgroups({ log: () => {}, mechanisms: [] })
    const notice = await none.notice({ memoryBytes: 1, pids: 1, cpus: 1 })
    expect(notice).toMatch(
      /memory, pids, cpu limits cannot be applied.*cgroup v2.*Delegate=yes.*cgroup v1.*0/,
    )
  })
})
