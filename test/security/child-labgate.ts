/**
 * labgate as a child process, for attacks that could hold its event loop: the test's own process stays
 * free to measure it, time out, and SIGKILL it. Needs `npm run build`.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LocalBackend } from '../../src/backends/local/index.js'
import { killSandboxesUnder } from '../../src/backends/local/testing.js'
import { openStore } from '../../src/store/open-store.js'
import { writePortal, type PortalSpec } from '../harness.js'

const root = join(import.meta.dirname, '../..')

/** A running `labgate serve` child. */
export interface ChildLabgate {
  url: string
  data: string
  /** Everything it printed so far. */
  output(): string
  /** SIGTERM; resolves true when it exited within `ms`, else SIGKILLs it and resolves false. */
  stop(ms: number): Promise<boolean>
  /** SIGKILLs it if still running, stops its sandboxes and removes its directory. */
  cleanUp(): Promise<void>
}

/** Starts `labgate serve` on `portal` (written to a fresh directory) and resolves once it listens. */
export async function startChildLabgate(portal: PortalSpec): Promise<ChildLabgate> {
  if (!existsSync(join(root, 'dist/main/cli/main.js'))) throw new Error('run `npm run build` first')
  const dir = mkdtempSync(join(tmpdir(), 'labgate-child-'))
  chmodSync(dir, 0o711)
  const config = writePortal(join(dir, 'config'), portal)
  const data = join(dir, 'data')
  const child: ChildProcess = spawn(
    process.execPath,
    [join(root, 'bin/labgate.js'), 'serve', '--config', config, '--data', data, '--port', '0'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let out = ''
  child.stdout!.on('data', (c) => (out += c))
  child.stderr!.on('data', (c) => (out += c))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const running = () => child.exitCode === null && child.signalCode === null
  const stop = async (ms: number) => {
    if (!running()) return true
    child.kill('SIGTERM')
    const timer = new Promise<false>((r) => setTimeout(() => r(false), ms))
    const done = await Promise.race([exited.then(() => true as const), timer])
    if (!done) {
      child.kill('SIGKILL')
      await exited
    }
    return done
  }
  const cleanUp = async () => {
    if (running()) {
      child.kill('SIGKILL')
      await exited
    }
    // The sandboxes outlive labgate by design (the next start re-adopts them): stop them here.
    try {
      const db = await openStore({ sqlite: join(data, 'labgate.db') })
      const live = await db.store.listSessions({ states: ['STARTING', 'WAITING', 'RUNNING', 'STOPPING'] })
      const backend = new LocalBackend({ dataDir: data, log: () => {} })
      for (const s of live) if (s.handle) await backend.stop(s.handle, { purge: true }).catch(() => {})
      await db.close()
    } finally {
      killSandboxesUnder(data)
    }
    rmSync(dir, { recursive: true, force: true })
  }
  const deadline = Date.now() + 30_000
  while (!/labgate is running/.test(out) && running() && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50))
  }
  const url = /labgate is running: portal \S+ at (http:\/\/\S+?)\/\s/.exec(out)?.[1]
  if (!url) {
    await cleanUp()
    throw new Error(`labgate did not start:\n${out}`)
  }
  return { url, data, output: () => out, stop, cleanUp }
}
