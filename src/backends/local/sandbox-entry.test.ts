/**
 * As root with the native spawner, a terminal's program is the spawner's own child inside the sandbox: no
 * nsenter stays between them (one process less per terminal). It must be confined exactly as the sandbox
 * is: the same namespaces, the sandbox's uid and no supplementary groups, no capabilities, no new
 * privileges, the sandbox's seccomp filter, its cgroups, its working directory and environment.
 */
import { mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PtyLike } from '../backend.js'
import type { HostPty } from './host-pty.js'
import type { LocalHandle } from './handle.js'
import { LocalBackend, checkLocalBackendPrerequisites } from './index.js'
import { HelperLauncher } from './launcher/helper-launcher.js'
import { spawnerAvailable } from './launcher/native-spawner.js'
import { readProcStat } from './proc.js'
import { killSandboxesUnder } from './testing.js'

const prerequisites = await checkLocalBackendPrerequisites()
const canEnter = prerequisites.ok && process.getuid?.() === 0 && spawnerAvailable()

/** Reads a terminal's output until `pattern` shows, or fails after 10 s with what it read. */
function outputOf(pty: PtyLike) {
  let out = ''
  pty.onData((d) => (out += d))
  return async (pattern: RegExp): Promise<string> => {
    await expect.poll(() => out, { timeout: 10_000 }).toMatch(pattern)
    return out
  }
}

const statusField = (pid: number, field: string) =>
  new RegExp(`^${field}:[ \\t]*(.*)$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]?.trim()

describe.runIf(canEnter)('a terminal entered by the native spawner', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'labgate-entry-'))
  const backend = new LocalBackend({ dataDir, log: () => {} })
  let handle: LocalHandle

  beforeAll(async () => {
    const limits = { memoryBytes: 1 << 28, pids: 200 }
    const spec = { session: 'entry-w01-s001', workshop: 'w', env: { FROM_SPEC: 'spec' }, limits }
    handle = (await backend.start(spec)).handle as LocalHandle
  })
  afterAll(async () => {
    await backend.stop(handle, { purge: true }).catch(() => {})
    await backend.close()
    killSandboxesUnder(dataDir)
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('is the spawner’s child, in every namespace of the sandbox, confined as the sandbox is', async () => {
    const pty = backend.exec(handle, { pty: { cols: 80, rows: 24 }, env: { FROM_EXEC: 'exec' } }) as HostPty
    const read = outputOf(pty)
    try {
      pty.write('echo "at=$(pwd) env=$FROM_SPEC/$FROM_EXEC id=$(id -u):$(id -g):$(id -G)"\r')
      // The output line, not the terminal's echo of the command (`at=$(pwd) … id=$(id`).
      expect(await read(/at=\/\S* env=\S+ id=[\d:]+\r?\n/)).toMatch(
        /at=\/home\/lab env=spec\/exec id=1000:1000:1000\r?\n/,
      )
      const pid = pty.pid
      const parent = readProcStat(pid).then((s) => s?.ppid)
      expect(readFileSync(`/proc/${await parent}/comm`, 'utf8').trim()).toBe('labgate-spawner')
      for (const ns of ['pid', 'mnt', 'user', 'net', 'ipc', 'uts']) {
        expect(readlinkSync(`/proc/${pid}/ns/${ns}`), ns).toBe(
          readlinkSync(`/proc/${handle.childPid}/ns/${ns}`),
        )
      }
      expect(statusField(pid, 'Groups')).toBe('')
      expect(statusField(pid, 'Uid')?.split(/\s+/)).toEqual(Array(4).fill(String(handle.uid)))
      expect(statusField(pid, 'CapEff')).toBe('0000000000000000')
      expect(statusField(pid, 'CapPrm')).toBe('0000000000000000')
      expect(statusField(pid, 'NoNewPrivs')).toBe('1')
      expect(statusField(pid, 'Seccomp')).toBe('2')
      // The same cgroups as the sandbox's pid 1, from the shell's first instruction.
      expect(readFileSync(`/proc/${pid}/cgroup`, 'utf8')).toBe(
        readFileSync(`/proc/${handle.childPid}/cgroup`, 'utf8'),
      )
    } finally {
      pty.kill('SIGKILL')
    }
  })

  it('ends the terminal when its program is killed, leaving no process behind', async () => {
    const pty = backend.exec(handle, { pty: { cols: 80, rows: 24 }, env: {} }) as HostPty
    const read = outputOf(pty)
    pty.write('echo ready-$((6*7))\r')
    await read(/ready-42/)
    const exited = new Promise<number | undefined>((resolve) =>
      pty.onExit(({ exitCode }) => resolve(exitCode)),
    )
    pty.kill('SIGKILL')
    await exited
    expect(await readProcStat(pty.pid)).toBeNull()
  })

  it('refuses a process that is not the sandbox, and a program the sandbox does not have', async () => {
    const launcher = new HelperLauncher({ helper: 'native' })
    try {
      const open = (sandbox: { pid: number; startTime: number }, file = '/bin/sh') =>
        launcher.openPty!({
          file,
          args: [],
          env: { PATH: '/usr/bin:/bin' },
          size: { cols: 80, rows: 24 },
          sandbox: { ...sandbox, uid: 1000, gid: 1000 },
        }).started
      // Its pid with another start time: a process that took a sandbox's pid is never entered.
      await expect(open({ pid: handle.childPid, startTime: handle.startTime + 1 })).rejects.toThrow(
        /not running/,
      )
      await expect(
        open({ pid: handle.childPid, startTime: handle.startTime }, 'no-such-program'),
      ).rejects.toThrow(/cannot run no-such-program/)
    } finally {
      await launcher.close()
    }
  })
})
