/**
 * Per-user kernel counters (inotify instances, pipe buffers, mqueue bytes) are kept per host uid. When every
 * sandbox runs as the same host uid, one session can use them all up and deny them to every other session,
 * and a process of that uid can read every home. Each session gets its own host uid from a reserved range.
 */
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LocalHandle } from '../../src/backends/local/handle.js'
import { LocalBackend } from '../../src/backends/local/index.js'
import { killSandboxesUnder, runIn } from '../../src/backends/local/testing.js'

const RANGE = { first: 200_000, count: 65_536 }
/** Opens inotify instances until the kernel refuses (or 4096 of them), prints how many, then holds them. */
const EXHAUST = `
import ctypes, sys, time
libc = ctypes.CDLL(None)
fds = []
while len(fds) < 4096:
    fd = libc.inotify_init()
    if fd < 0:
        break
    fds.append(fd)
print(len(fds), flush=True)
time.sleep(120)
`
const limit = Number(readFileSync('/proc/sys/fs/inotify/max_user_instances', 'utf8'))
const hostUid = (pid: number) =>
  Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1])

describe('sessions on separate host uids', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'labgate-uids-'))
  const backend = new LocalBackend({ dataDir, sandboxUidRange: RANGE, log: () => {} })
  let a: LocalHandle
  let b: LocalHandle

  beforeAll(async () => {
    a = (await backend.start({ session: 'uids-w01-s001', workshop: 'w', env: {} })).handle as LocalHandle
    b = (await backend.start({ session: 'uids-w01-s002', workshop: 'w', env: {} })).handle as LocalHandle
  })
  afterAll(async () => {
    await Promise.allSettled([a, b].map((h) => backend.stop(h, { purge: true })))
    await backend.close()
    killSandboxesUnder(dataDir)
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('gives each sandbox its own host uid, which owns its home', () => {
    expect(a.uid).not.toBe(b.uid)
    for (const h of [a, b]) {
      expect(h.uid).toBeGreaterThanOrEqual(RANGE.first)
      expect(h.uid).toBeLessThan(RANGE.first + RANGE.count)
      expect(hostUid(h.childPid)).toBe(h.uid)
      expect(statSync(h.home).uid).toBe(h.uid)
    }
  })

  it("keeps session B's inotify instances when session A takes all it may", async () => {
    const hog = backend.spawn(a, ['python3', '-c', EXHAUST], { stdio: ['ignore', 'pipe', 'inherit'] })
    try {
      const opened = await new Promise<number>((resolve, reject) => {
        hog.stdout?.setEncoding('utf8').once('data', (d: string) => resolve(Number(d.trim())))
        hog.once('exit', (code) => reject(new Error(`the hog exited (${code}) before printing`)))
      })
      // A hit the per-user limit (less than its ceiling of 4096 and no more than the kernel's limit).
      expect(opened).toBeLessThanOrEqual(limit)
      const probe = await runIn(
        backend,
        b,
        `python3 -c 'import ctypes; print(ctypes.CDLL(None).inotify_init())'`,
      )
      expect(probe.code).toBe(0)
      expect(Number(probe.stdout.trim())).toBeGreaterThanOrEqual(0)
    } finally {
      hog.kill('SIGKILL')
    }
  })

  it('runs commands in a session as its own host uid', async () => {
    const child = backend.spawn(b, ['sleep', '30'], { stdio: 'ignore' })
    try {
      // nsenter forks the command as a child; find it among the sandbox's processes.
      const sleeper = await findProcess(b.childPid, 'sleep\u000030\u0000')
      expect(hostUid(sleeper)).toBe(b.uid)
    } finally {
      child.kill('SIGKILL')
    }
  })
})

/** Polls for the process running `cmdline` (NUL-separated) in the pid namespace of `root`. */
async function findProcess(root: number, cmdline: string): Promise<number> {
  const ns = readlinkSync(`/proc/${root}/ns/pid`)
  for (let attempt = 0; attempt < 100; attempt += 1) {
    for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, 'utf8') !== cmdline) continue
        if (readlinkSync(`/proc/${pid}/ns/pid`) === ns) return Number(pid)
      } catch {
        // Gone meanwhile.
      }
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`no process ${JSON.stringify(cmdline)} in the sandbox of ${root}`)
}
