/**
 * Shared fixture of the kernel attack-surface tests: one real bubblewrap sandbox (the default local
 * backend, as `labgate serve` builds it), and ways to run a script in it the three ways a learner's code
 * runs: exec'd without a pty, in a terminal shell, and as the sandbox's own processes.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LocalHandle } from '../../src/backends/local/handle.js'
import { LocalBackend } from '../../src/backends/local/index.js'
import { childPids } from '../../src/backends/local/proc.js'
import { killSandboxesUnder, runIn } from '../../src/backends/local/testing.js'

/** A started sandbox and its backend; `close` stops it and removes the data directory. */
export interface KernelFixture {
  backend: LocalBackend
  handle: LocalHandle
  dataDir: string
  /** Runs `script` with `/bin/sh -c` through the backend's exec without a pty. */
  exec(script: string): Promise<{ code: number | null; stdout: string; stderr: string }>
  /**
   * Types `script` into a login shell on a terminal (the backend's exec with a pty, as the browser terminal
   * does) and returns everything the terminal printed once the shell exited.
   */
  terminal(script: string): Promise<string>
  /** Every process of the sandbox seen from the host: its pid 1 and its descendants. */
  processes(): Promise<number[]>
  close(): Promise<void>
}

/** Starts one sandbox for `session` with a fresh data directory. */
export async function startKernelFixture(session: string): Promise<KernelFixture> {
  const dataDir = mkdtempSync(join(tmpdir(), 'labgate-kernel-'))
  const backend = new LocalBackend({ dataDir, log: () => {} })
  const info = await backend.start({ session, workshop: 'kernel', env: {} })
  const handle = info.handle as LocalHandle
  return {
    backend,
    handle,
    dataDir,
    exec: (script) => runIn(backend, handle, script),
    terminal: (script) => terminalRun(backend, handle, script),
    processes: async () => {
      const all = [handle.childPid]
      for (let i = 0; i < all.length; i++) all.push(...(await childPids(all[i] as number)))
      return all
    },
    close: async () => {
      await backend.stop(handle, { purge: true }).catch(() => undefined)
      await backend.close()
      killSandboxesUnder(dataDir)
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

function terminalRun(backend: LocalBackend, handle: LocalHandle, script: string): Promise<string> {
  const pty = backend.exec(handle, { env: {}, pty: { cols: 200, rows: 50 } })
  let out = ''
  pty.onData((d) => (out += d.toString()))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      pty.kill('SIGKILL')
      reject(new Error(`the terminal shell did not exit; it printed: ${out}`))
    }, 20_000)
    pty.onExit(() => {
      clearTimeout(timer)
      // Without carriage returns and terminal control sequences (bash's bracketed-paste switches).
      // eslint-disable-next-line no-control-regex
      resolve(out.replace(/\r/g, '').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ''))
    })
    // The shell echoes its input: markers are built at run time so that only real output matches them.
    pty.write(`${script}\rexit\r`)
  })
}

/** The `Seccomp:` mode of a host process (0 none, 2 filter), or null when it is gone. */
export function seccompModeOf(pid: number): number | null {
  try {
    const match = /^Seccomp:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Number(match[1]) : null
  } catch {
    return null
  }
}
