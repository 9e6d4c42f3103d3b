/**
 * Replicas for tests: `labgate serve` processes on one PostgreSQL database, each with its own data
 * directory, started from the built CLI (needs `npm run build`) so that one can be SIGKILLed.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { killSandboxesUnder } from '../../src/backends/local/testing.js'
import { writePortal, type PortalSpec } from '../harness.js'

const root = join(import.meta.dirname, '../..')

export interface ReplicaProcess {
  /** Where this replica itself listens. */
  url: string
  pid: number
  /** This replica's id, as kept in its data directory. */
  id: string
  data: string
  output(): string
  /** SIGKILL: no clean stop, the lease and the heartbeat just stop. */
  kill(): Promise<void>
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>
}

/** A set of replicas of one portal on one database; `close` kills them and removes their directories. */
export class ReplicaSet {
  readonly dir = mkdtempSync(join(tmpdir(), 'labgate-replicas-'))
  readonly replicas: ReplicaProcess[] = []
  readonly #config: string

  constructor(
    portal: PortalSpec,
    private readonly database: string,
  ) {
    chmodSync(this.dir, 0o711) // the sandbox uid must be able to reach <data>/sessions
    this.#config = writePortal(join(this.dir, 'config'), portal)
  }

  /** Starts a replica with data directory `name`; resolves once it serves. */
  async start(name: string, extra: string[] = []): Promise<ReplicaProcess> {
    if (!existsSync(join(root, 'dist/main/cli/main.js'))) throw new Error('run `npm run build` first')
    const data = join(this.dir, name)
    const child: ChildProcess = spawn(
      process.execPath,
      [
        join(root, 'bin/labgate.js'),
        'serve',
        ...['--config', this.#config, '--data', data, '--database', this.database, '--port', '0'],
        ...['--replica-timeout', '4', ...extra],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let out = ''
    child.stdout!.on('data', (c) => (out += c))
    child.stderr!.on('data', (c) => (out += c))
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    const running = () => child.exitCode === null && child.signalCode === null
    const deadline = Date.now() + 30_000
    while (!/labgate is running/.test(out) && running() && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50))
    }
    // Its own address (the banner shows the public URL, which replicas may share).
    const url = /reached by its peers at (http:\/\/\S+)/.exec(out)?.[1]
    if (!url) {
      child.kill('SIGKILL')
      throw new Error(`replica ${name} did not start:\n${out}`)
    }
    const p: ReplicaProcess = {
      url,
      pid: child.pid!,
      id: readFileSync(join(data, 'replica-id'), 'utf8').trim(),
      data,
      output: () => out,
      kill: async () => {
        if (running()) child.kill('SIGKILL')
        await exited
      },
      stop: async () => {
        if (running()) child.kill('SIGTERM')
        await exited
      },
    }
    this.replicas.push(p)
    return p
  }

  async close(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.kill()))
    // The sandboxes outlive labgate by design: stop what each replica left.
    for (const r of this.replicas) killSandboxesUnder(r.data)
    rmSync(this.dir, { recursive: true, force: true })
  }
}

/** A robot token from replica `url` (the password grant). */
export { robotToken } from '../robot-token.js'
