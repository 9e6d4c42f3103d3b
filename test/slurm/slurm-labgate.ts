/**
 * labgate itself on the one-node cluster of `scripts/slurm-cluster.sh`: a portal whose backend is `slurm`
 * (written with the harness's `writePortal`), served in-process by `startLabgate` or as `labgate serve`
 * in a child process (needs `npm run build`), and what the tests ask of Slurm directly: the portal's jobs,
 * cancelling them all.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { startLabgate, type Labgate } from '../../src/main/labgate.js'
import type { SlurmApi, SlurmJob } from '../../src/backends/slurm/index.js'
import { slurmJobMark } from '../../src/backends/slurm/handle.js'
import { writePortal, type PortalSpec } from '../harness.js'
import { robotToken } from '../robot-token.js'
import { SLURM_SOCKET } from './slurm-fixture.js'

const root = resolve(import.meta.dirname, '../..')

/**
 * Writes `portal` into `dir` as `writePortal` does, with `spec.labgate.backend: slurm` and
 * `spec.labgate.slurm` = `slurm` (the cluster's socket unless it names another); returns `dir`.
 */
export function writeSlurmPortal(
  dir: string,
  portal: Omit<PortalSpec, 'backend'>,
  slurm: Record<string, unknown> = {},
): string {
  writePortal(dir, { ...portal, backend: 'local' })
  const file = join(dir, 'portal.yaml')
  const text = readFileSync(file, 'utf8')
  const settings = { socket: SLURM_SOCKET, startTimeout: '60s', ...slurm }
  const written = text.replace(
    /^ {4}backend: local\n/m,
    `    backend: slurm\n    slurm: ${JSON.stringify(settings)}\n`,
  )
  if (written === text) throw new Error(`no backend line in ${file}`)
  writeFileSync(file, written)
  return dir
}

/** A temporary directory the sandboxes' uids can pass through (as `startHarness` makes its own). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  chmodSync(dir, 0o711)
  return dir
}

/** The comment that marks the jobs of `portal`. */
export const portalMark = slurmJobMark

/** Slurm's states of a job that has not ended. */
const LIVE = new Set(['PENDING', 'CONFIGURING', 'RUNNING', 'SUSPENDED', 'REQUEUED', 'COMPLETING'])

/** The jobs of `portal` that Slurm has not seen end. */
export async function liveJobsOf(slurm: SlurmApi, portal: string): Promise<SlurmJob[]> {
  return (await slurm.jobs()).filter((j) => j.comment === portalMark(portal) && LIVE.has(j.state))
}

/** Cancels every job of `portal` that has not ended and waits (up to `ms`) until none is left. */
export async function cancelPortalJobs(slurm: SlurmApi, portal: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms
  for (;;) {
    const live = await liveJobsOf(slurm, portal)
    if (live.length === 0) return
    if (Date.now() > end) throw new Error(`jobs of ${portal} still live: ${live.map((j) => j.jobId)}`)
    for (const j of live) if (j.state !== 'COMPLETING') await slurm.cancel(j.jobId)
    await new Promise((r) => setTimeout(r, 250))
  }
}

/** A labgate served in this process on a Slurm portal. */
export interface InProcessLabgate {
  lg: Labgate
  url: string
  dir: string
  token(): Promise<string>
  /** Stops labgate, cancels the portal's jobs, removes the directory. */
  close(slurm: SlurmApi): Promise<void>
}

/** Starts labgate in-process on a fresh directory with `portal` (on Slurm) written there. */
export async function startSlurmLabgate(
  portal: Omit<PortalSpec, 'backend'> & { name: string },
  slurm: Record<string, unknown> = {},
): Promise<InProcessLabgate> {
  const dir = tempDir('labgate-slurm-e2e-')
  const config = writeSlurmPortal(join(dir, 'config'), portal, slurm)
  const lg = await startLabgate({
    config,
    data: join(dir, 'data'),
    port: 0,
    host: '127.0.0.1',
    log: () => {},
    reconcileIntervalMs: 200,
  })
  return {
    lg,
    url: lg.url,
    dir,
    token: () => robotToken(lg.url),
    async close(api) {
      await lg.close()
      await cancelPortalJobs(api, portal.name)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** A free TCP port on the loopback address (free when asked). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const { port } = server.address() as AddressInfo
  await new Promise((r) => server.close(r))
  return port
}

/** `labgate serve` in a child process. */
export interface ServedLabgate {
  url: string
  child: ChildProcess
  /** Its standard output and error so far. */
  output(): string
  /** Sends `signal` and resolves once the process exited. */
  kill(signal: NodeJS.Signals): Promise<void>
}

/** Starts `labgate serve` on `port` (SQLite in `data`); resolves once it said it runs. */
export async function serveLabgate(o: {
  config: string
  data: string
  port: number
}): Promise<ServedLabgate> {
  const args = ['serve', '--config', o.config, '--data', o.data, '--port', String(o.port)]
  const child = spawn(process.execPath, [join(root, 'bin/labgate.js'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (c) => (out += c))
  child.stderr!.on('data', (c) => (out += c))
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  const deadline = Date.now() + 30_000
  let url: string | undefined
  while (!url && child.exitCode === null && child.signalCode === null && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50))
    url = /labgate is running: portal \S+ at (http:\/\/\S+?)\/\s/.exec(out)?.[1]
  }
  if (!url) {
    child.kill('SIGKILL')
    await exited
    throw new Error(`labgate did not start:\n${out}`)
  }
  return {
    url,
    child,
    output: () => out,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal)
        await exited
      }
    },
  }
}

/** A session as the store of `data` holds it (read-only, beside the labgate that writes it). */
export interface StoredSession {
  name: string
  state: string
  reserved: boolean
  handle: { backend: string; job?: number; session?: string } | null
}

/** The sessions in the SQLite store of the data directory `data`. */
export function storedSessions(data: string): StoredSession[] {
  const db = new Database(join(data, 'labgate.db'), { readonly: true, fileMustExist: true })
  try {
    const rows = db.prepare('select name, state, reserved, handle from sessions order by name').all() as {
      name: string
      state: string
      reserved: number
      handle: string | null
    }[]
    return rows.map((r) => ({
      name: r.name,
      state: r.state,
      reserved: r.reserved === 1,
      handle: r.handle === null ? null : (JSON.parse(r.handle) as StoredSession['handle']),
    }))
  } finally {
    db.close()
  }
}
