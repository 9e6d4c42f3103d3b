import { readdirSync, readlinkSync } from 'node:fs'
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
 * Test safety net: SIGKILLs every process whose stderr is a file under `dataDir` (every bwrap process of a
 * sandbox started with that data directory, so the whole sandbox goes). Returns how many it killed.
 */
export function killSandboxesUnder(dataDir: string): number {
  let killed = 0
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (!readlinkSync(`/proc/${entry}/fd/2`).startsWith(dataDir + '/')) continue
      process.kill(Number(entry), 'SIGKILL')
      killed += 1
    } catch {
      // Gone, or not ours to read.
    }
  }
  return killed
}
