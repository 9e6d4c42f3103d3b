/**
 * Runs the peer, JupyterHub, as a child process on a temporary directory (its own process group), and
 * takes everything down again: the hub, its proxy and every single-user server, whatever they left.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../labgate-process.js'
import { alive, descendants, type Proc } from '../procs.js'
import type { PeerInstall } from './detect.js'
import { writeHubConfig, type HubPorts } from './hub-config.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The service name the bench's token belongs to. */
const SERVICE = 'labgate-bench'

export interface HubProcess {
  /** The public URL (the proxy); the REST API is at `<url>/hub/api`. */
  url: string
  apiToken: string
  dir: string
  ports: HubPorts
  child: ChildProcess
  /** The hub's output so far. */
  readLog(): string
  /**
   * Every process the hub started that the bench has seen (the proxy, single-user servers and theirs),
   * sampled every 250 ms and just before the stop; with the pid, the start time tells a reused pid apart.
   */
  seen(): Proc[]
  /**
   * Stops the hub (SIGTERM: it stops its servers and the proxy itself; SIGKILL to its process group after
   * 20 s), then SIGKILLs whatever it started that is still alive, and removes the directory.
   */
  stop(): Promise<HubStopReport>
  /** The same, synchronously and without waiting (for `process.on('exit')`). */
  stopNow(): void
}

export interface HubStopReport {
  exitCode: number | null
  signal: string | null
  /** How long the hub took to exit after SIGTERM, in ms (it stops its servers and proxy first). */
  stopMs: number
  /** Processes the hub had started that were still alive after it exited; the bench killed them. */
  strays: string[]
  log: string
}

/**
 * Writes the configuration into a fresh temporary directory, starts `jupyterhub -f <config>` with ports it
 * found free just before, and waits until the API answers the service token through the proxy. Throws
 * (after cleaning up) when the hub exits or is not up within `startTimeoutMs`.
 */
export async function startHub(install: PeerInstall, startTimeoutMs = 60_000): Promise<HubProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'labgate-bench-peer-'))
  mkdirSync(join(dir, 'home'))
  const ports: HubPorts = { proxy: await freePort(), proxyApi: await freePort(), hub: await freePort() }
  const apiToken = randomBytes(24).toString('hex')
  const config = writeHubConfig(
    { dir, ports, apiToken, proxyToken: randomBytes(24).toString('hex'), service: SERVICE },
    install,
  )
  const logFile = join(dir, 'jupyterhub.log')
  const fd = openSync(logFile, 'a')
  const child = spawn(install.jupyterhub, ['-f', config], {
    cwd: dir,
    // A process group of its own, so the whole group can be killed; an environment without the bench's
    // (no pyenv shims or virtualenvs: the Debian programs run with Debian's python3).
    detached: true,
    env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: dir, LANG: 'C.UTF-8' },
    stdio: ['ignore', fd, fd],
  })
  closeSync(fd)
  const state: { exit: { code: number | null; signal: string | null } | null } = { exit: null }
  const exited = new Promise<{ code: number | null; signal: string | null }>((done) =>
    child.once('exit', (code, signal) => done((state.exit = { code, signal }))),
  )
  const readLog = () => {
    try {
      return readFileSync(logFile, 'utf8')
    } catch {
      return ''
    }
  }
  const seenProcs = new Map<string, Proc>()
  const sample = () => {
    if (child.pid === undefined || state.exit) return
    for (const p of descendants(child.pid)) seenProcs.set(`${p.pid}/${p.startTime}`, p)
  }
  const sampler = setInterval(sample, 250)
  sampler.unref()
  const killGroup = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
    } catch {
      // the group is gone
    }
  }

  let stopped: Promise<HubStopReport> | null = null
  const hub: HubProcess = {
    url: `http://127.0.0.1:${ports.proxy}`,
    apiToken,
    dir,
    ports,
    child,
    readLog,
    seen: () => [...seenProcs.values()],
    stop() {
      stopped ??= (async () => {
        sample()
        clearInterval(sampler)
        const t = Date.now()
        if (!state.exit) {
          child.kill('SIGTERM')
          let timer: NodeJS.Timeout | undefined
          const done = await Promise.race([
            exited,
            new Promise<null>((r) => (timer = setTimeout(() => r(null), 20_000))),
          ])
          clearTimeout(timer)
          if (!done) killGroup()
        }
        const e = await exited
        const stopMs = Date.now() - t
        killGroup()
        // The servers and the proxy run in sessions of their own: give them a moment to go after the hub's
        // own cleanup, then kill what is left.
        const spawned = [...seenProcs.values()]
        const deadline = Date.now() + 3_000
        while (Date.now() < deadline && spawned.some(alive)) await sleep(50)
        const strays = spawned.filter(alive)
        for (const p of strays) kill(p.pid)
        const log = readLog()
        rmSync(dir, { recursive: true, force: true })
        return {
          exitCode: e.code,
          signal: e.signal,
          stopMs,
          strays: strays.map((p) => `${p.comm} (pid ${p.pid})`),
          log,
        }
      })()
      return stopped
    },
    stopNow() {
      clearInterval(sampler)
      sample()
      if (!state.exit) killGroup()
      for (const p of seenProcs.values()) if (alive(p)) kill(p.pid)
      rmSync(dir, { recursive: true, force: true })
    },
  }

  const deadline = Date.now() + startTimeoutMs
  for (;;) {
    if (state.exit) {
      const { code, signal } = state.exit
      const log = (await hub.stop()).log
      throw new Error(`JupyterHub exited (code ${code}, signal ${signal}) before it was up:\n${tail(log)}`)
    }
    try {
      const res = await fetch(`${hub.url}/hub/api/users`, { headers: { authorization: `token ${apiToken}` } })
      await res.arrayBuffer()
      if (res.status === 200) return hub
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      const log = (await hub.stop()).log
      throw new Error(`JupyterHub was not up after ${startTimeoutMs} ms:\n${tail(log)}`)
    }
    await sleep(100)
  }
}

/** The last lines of a log. */
export function tail(log: string, lines = 30): string {
  return log.trimEnd().split('\n').slice(-lines).join('\n')
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // already gone
  }
}
