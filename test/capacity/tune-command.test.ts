/**
 * `labgate tune` against a stand-in `/proc` (the real kernel is left alone): what the limits allow, the
 * raises for `--sessions`, applied as root with the `sysctl.d` lines to keep them, only shown otherwise.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { tune } from '../../src/main/cli/tune.js'
import { ProcStandIn } from './proc-stand-in.js'

let proc: ProcStandIn | undefined
// Pinned (the default depends on root and on whether the native spawner is built): labgate holding each
// pty, nsenter between it and each shell.
const footprint = { processes: 4, ptys: 1, labgateFds: 2, namespaces: 1 }
/** What 10,000 sessions need: the stand-in's 250 in use, their pids with a quarter more, 2,000 spare. */
const PID_MAX = 250 + 10_000 * footprint.processes * 1.25 + 2_000
afterEach(() => proc?.remove())

async function run(argv: string[], isRoot: boolean) {
  const lines: string[] = []
  const code = await tune(argv, { procRoot: proc!.root, isRoot, print: (l) => lines.push(l), footprint })
  return { code, text: lines.join('\n') }
}

describe('labgate tune', () => {
  it('as root, raises what is short for 10,000 sessions and prints how to keep it', async () => {
    proc = new ProcStandIn(undefined, { fds: 30, threads: 250 })
    const { code, text } = await run([], true)
    expect(code).toBe(0)
    expect(proc.get('kernel.pty.max')).toBe(12_503)
    expect(proc.get('kernel.pid_max')).toBe(PID_MAX)
    expect(proc.get('kernel.threads-max')).toBe(192_735)
    expect(text).toContain('raised kernel.pty.max from 4,096 to 12,503')
    expect(text).toContain('/etc/sysctl.d/90-labgate.conf')
    expect(text).toContain(`  kernel.pid_max = ${PID_MAX}`)
    // The kernel is ready; the open files of the shell that would start serve are the next wall.
    expect(text).toContain("At most about 9,473 live sessions (then labgate's open files run out")
    expect(text).toMatch(/open-files limit of 26,054.*LimitNOFILE=26054/)
    // A second run finds nothing to raise in the kernel.
    const again = await run([], true)
    expect(again.text).toContain("The kernel's settings allow 10,000 sessions: nothing to raise.")
  })

  it('without root, or with --dry-run, only shows the sysctl commands and changes nothing', async () => {
    proc = new ProcStandIn(undefined, { fds: 30, threads: 250 })
    const user = await run(['--sessions', '5000'], false)
    expect(user.code).toBe(1)
    expect(user.text).toContain('For 5,000 sessions, raise (as root: sudo labgate tune):')
    expect(user.text).toContain('  sysctl -w kernel.pty.max=6253    # now 4096')
    expect(proc.get('kernel.pty.max')).toBe(4096)
    const dry = await run(['--sessions', '5000', '--dry-run'], true)
    expect(dry.code).toBe(0)
    expect(dry.text).toContain('sysctl -w kernel.pty.max=6253')
    expect(proc.get('kernel.pty.max')).toBe(4096)
  })

  it('prints one JSON object with --json', async () => {
    proc = new ProcStandIn()
    const { text } = await run(['--json', '--dry-run', '--sessions', '100'], true)
    const o = JSON.parse(text)
    expect(o).toMatchObject({ sessions: 100, raises: [], applied: [], failed: [] })
    expect(o.headroom[0]).toMatchObject({ limit: 'kernel.pty.max', sessions: 4093 })
  })

  it('refuses a bad --sessions with what to fix', async () => {
    proc = new ProcStandIn()
    for (const bad of ['0', 'many', '2.5', '1000001'])
      await expect(run(['--sessions', bad], true)).rejects.toThrow(
        /--sessions must be a whole number from 1 to 1000000/,
      )
    expect(proc.get('kernel.pty.max')).toBe(4096)
  })
})
