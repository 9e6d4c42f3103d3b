import { closeSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { HelperLauncher } from './helper-launcher.js'
import { spawnerAvailable } from './native-spawner.js'
import { launcherConformance, openTestPty } from './launcher.conformance.js'

const KINDS = [
  { kind: 'native', command: 'labgate-spawner' },
  { kind: 'node', command: 'helper-main' },
] as const

it('runs the native spawner by default (npm run build compiles it)', () => {
  expect(spawnerAvailable()).toBe(true)
  expect(new HelperLauncher().kind).toBe('native')
})

for (const { kind, command } of KINDS) {
  launcherConformance(`HelperLauncher (${kind})`, () => new HelperLauncher({ helper: kind }))
  helperSuite(kind, command)
}

/**
 * The descriptors `pid` holds, once it has settled. The launcher replies as soon as the child has exec'd,
 * when the program's dynamic loader may still hold a library open for a moment (fd 3 on libc.so.6, seen
 * on a busy machine). A leaked descriptor stays, so polling briefly still catches one.
 */
function fdsOf(pid: number): string[] {
  return readdirSync(`/proc/${pid}/fd`).sort()
}
const POLL = { timeout: 2000, interval: 20 }

/** The launcher helpers this test process has started (their command line names `command`). */
function helperPids(command: string): number[] {
  return readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8')
    .split(' ')
    .filter(Boolean)
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(command)
      } catch {
        return false
      }
    })
}

function helperSuite(kind: 'native' | 'node', command: string): void {
  describe(`HelperLauncher (${kind})`, () => {
    const opened: { close(): void }[] = []
    afterEach(() => opened.splice(0).forEach((p) => p.close()))

    it("gives a process only its stdio, even with labgate's ptys open before and after the helper started", async () => {
      // node-pty opens ptys without close-on-exec: the helper inherits the first one and must drop it.
      const before = openTestPty()
      opened.push(before)
      const launcher = new HelperLauncher({ helper: kind })
      launcher.start()
      const pty = openTestPty()
      opened.push(pty)
      try {
        const launched = await launcher.spawnOnTerminal({
          file: '/bin/sleep',
          args: ['5'],
          env: {},
          tty: pty.pty,
        })
        closeSync(pty.slave)
        await expect.poll(() => fdsOf(launched.pid), POLL).toEqual(['0', '1', '2'])
        process.kill(launched.pid, 'SIGKILL')
        expect(await launched.exit).toEqual({ code: null, signal: 'SIGKILL' })
      } finally {
        await launcher.close()
      }
    })

    it('gives a daemon only /dev/null, its stderr file and the files named, whatever labgate has open', async () => {
      const launcher = new HelperLauncher({ helper: kind })
      opened.push(openTestPty())
      const dir = mkdtempSync(join(tmpdir(), 'labgate-daemon-'))
      try {
        const launched = await launcher.spawnDaemon({
          file: '/bin/sleep',
          args: ['30'],
          env: {},
          cwd: dir,
          stderrFile: join(dir, 'err.log'),
          files: ['/proc/self/ns/net'],
        })
        await expect.poll(() => fdsOf(launched.pid), POLL).toEqual(['0', '1', '2', '3'])
        expect(readlinkSync(`/proc/${launched.pid}/fd/0`)).toBe('/dev/null')
        expect(readlinkSync(`/proc/${launched.pid}/fd/3`)).toBe(readlinkSync('/proc/self/ns/net'))
        process.kill(launched.pid, 'SIGKILL')
        await launched.exit
      } finally {
        await launcher.close()
        rmSync(dir, { recursive: true, force: true })
      }
    })

    it('settles exits with null when its helper dies, and starts a new helper for the next request', async () => {
      const launcher = new HelperLauncher({ helper: kind })
      const pty = openTestPty()
      opened.push(pty)
      try {
        const known = new Set(helperPids(command))
        const first = await launcher.spawnOnTerminal({
          file: '/bin/sleep',
          args: ['30'],
          env: {},
          tty: pty.pty,
        })
        const helper = helperPids(command).filter((pid) => !known.has(pid))
        expect(helper).toHaveLength(1)
        process.kill(helper[0] as number, 'SIGKILL')
        expect(await first.exit).toBeNull()
        // (A fresh pty: the first is still the controlling terminal of the orphaned sleep.)
        const other = openTestPty()
        opened.push(other)
        const second = await launcher.spawnOnTerminal({
          file: '/bin/true',
          args: [],
          env: {},
          tty: other.pty,
        })
        expect(await second.exit).toEqual({ code: 0, signal: null })
        expect(helperPids(command).filter((pid) => !known.has(pid) && pid !== helper[0])).toHaveLength(1)
        process.kill(first.pid, 'SIGKILL')
      } finally {
        await launcher.close()
      }
    })
  })
}
