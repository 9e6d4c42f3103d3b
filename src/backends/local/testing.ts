import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { devMajor, devMinor, inodeKey, parseProcLocks } from './sandbox-lock.js'
import type { SandboxHandle } from '../backend.js'
import type { LocalBackend, LocalExecOptions } from './local-backend.js'

/** Test helper: runs a shell script inside a sandbox and collects its exit code and output. */
export function runIn(
  backend: LocalBackend,
  handle: SandboxHandle,
  script: string,
  opts: LocalExecOptions = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = backend.spawn(handle, ['/bin/sh', '-c', script], opts)
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/**
 * Test safety net: SIGKILLs every process whose stderr is a file under `dataDir` (the bwrap processes of
 * sandboxes started with that data directory), and every process holding the lock of one of its
 * sessions (each sandbox's pid 1, whose stdio is /dev/null): so the whole sandbox goes. Returns how many
 * it killed.
 */
export function killSandboxesUnder(dataDir: string): number {
  // The bwrap processes first: once a sandbox's pid 1 dies its bwrap exits and may be reaped at once (by
  // the spawner), before a signal of ours; a pid 1 outlives its bwrap until killed.
  const pids = new Set<number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (readlinkSync(`/proc/${entry}/fd/2`).startsWith(dataDir + '/')) pids.add(Number(entry))
    } catch {
      // Gone, or not ours to read.
    }
  }
  for (const pid of lockHolders(dataDir)) pids.add(pid)
  let killed = 0
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL')
      killed += 1
    } catch {
      // Gone already.
    }
  }
  return killed
}

/** The processes holding a lock on `<dataDir>/sessions/<s>/sandbox.lock`, any session. */
function lockHolders(dataDir: string): number[] {
  const inodes = new Set<string>()
  const sessions = join(resolve(dataDir), 'sessions')
  for (const name of (() => {
    try {
      return readdirSync(sessions)
    } catch {
      return []
    }
  })()) {
    try {
      const st = statSync(join(sessions, name, 'sandbox.lock'), { bigint: true })
      inodes.add(inodeKey(devMajor(st.dev), devMinor(st.dev), st.ino))
    } catch {
      // No lock file: no sandbox of this session.
    }
  }
  if (inodes.size === 0) return []
  return parseProcLocks(readFileSync('/proc/locks', 'utf8'))
    .filter((l) => inodes.has(inodeKey(l.major, l.minor, l.inode)))
    .map((l) => l.pid)
}
