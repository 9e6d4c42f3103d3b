/**
 * The replicas figure: labgate as one, two and three `labgate serve` processes on one PostgreSQL database
 * behind one URL (a round-robin TCP balancer the bench runs, as an L4 load balancer would: each new
 * connection to the next replica). For each count, on a fresh database: allocations per second (robot
 * requests, `concurrency` in flight, spread over the replicas), the storm (many requests at once for a
 * small capacity: exactly the capacity must be given), the warm figure (request → activation → signed-in
 * dashboard through the balancer, so most steps land on a replica that relays to the reserve's holder),
 * and with two or more replicas the keystroke echo of one terminal opened directly on its holder and
 * through another replica (relayed). PostgreSQL: `LABGATE_BENCH_PG_URL`, else `LABGATE_TEST_PG_URL`, else
 * the local server (`postgres://postgres@127.0.0.1:5432/test`), whose user must create databases.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  chmodSync,
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
} from 'node:fs'
import { createServer, connect, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { PortalApi } from './api.js'
import { robotRequest } from './arrival.js'
import { BrowserSession } from './browser.js'
import {
  Recorder,
  requested,
  sleep,
  terminateAll,
  type FigureContext,
  type FigureResult,
  type Settings,
} from './figures.js'
import { HttpClient } from './http.js'
import { freePort, unmountUnder } from './labgate-process.js'
import { writeBenchPortal, type BenchRobot, type BenchWorkshop } from './portal.js'
import { summarize, now, ms, type Summary } from './stats.js'
import { PROMPT, Terminal } from './terminal.js'

const ROOT = join(import.meta.dirname, '..')
const ADMIN_URL =
  process.env.LABGATE_BENCH_PG_URL ??
  process.env.LABGATE_TEST_PG_URL ??
  'postgres://postgres@127.0.0.1:5432/test'

const WORKSHOPS: BenchWorkshop[] = [
  { name: 'ralloc', capacity: 5000, reserved: 0, initial: 0, expires: '1h' },
  { name: 'rstorm', capacity: 20, reserved: 0, initial: 0, expires: '1h' },
  { name: 'rwarm', capacity: 50, reserved: 2, initial: 2, expires: '1h' },
]
/** Requests fired at once in the storm, for the capacity of `rstorm`. */
const STORM = 200

/** What one replica count measured. */
export interface ReplicaLevel {
  replicas: number
  allocations: number
  allocPerS: number
  alloc: Summary
  storm: { sent: number; given: number; refused: number; other: number; capacity: number; elapsedMs: number }
  warm: Summary | null
  echoDirect: Summary | null
  echoRelayed: Summary | null
  errors: number
}

/** One `labgate serve` on the shared database. */
interface Replica {
  url: string
  child: ChildProcess
  exited: Promise<void>
  log: () => string
}

async function startReplica(dir: string, config: string, name: string, database: string, publicUrl: string) {
  const port = await freePort()
  const logFile = join(dir, `${name}.log`)
  const fd = openSync(logFile, 'a')
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'bin/labgate.js'),
      'serve',
      ...['--config', config, '--data', join(dir, name), '--database', database],
      ...['--port', String(port), '--host', '127.0.0.1', '--public-url', publicUrl],
    ],
    { cwd: ROOT, stdio: ['ignore', fd, fd] },
  )
  closeSync(fd)
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  const url = `http://127.0.0.1:${port}`
  const end = now() + 30_000
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`replica ${name} exited: ${readFileSync(logFile, 'utf8').slice(-500)}`)
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.status === 200,
      () => false,
    )
    if (ok) break
    if (now() > end) throw new Error(`replica ${name} not healthy within 30 s`)
    await sleep(100)
  }
  return { url, child, exited, log: () => readFileSync(logFile, 'utf8') } satisfies Replica
}

/** A round-robin TCP balancer over `targets()` (read at each new connection). */
function balancer(targets: () => string[]): { server: Server; sockets: Set<Socket> } {
  let next = 0
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    const list = targets()
    const target = new URL(list[next++ % list.length]!)
    const upstream = connect(Number(target.port), target.hostname)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
    }
    client.pipe(upstream).pipe(client)
  })
  return { server, sockets }
}

/** Measures `k` replicas on a fresh database. */
async function level(k: number, s: Settings, log: (m: string) => void): Promise<ReplicaLevel> {
  const dir = mkdtempSync(join(tmpdir(), 'labgate-bench-replicas-'))
  chmodSync(dir, 0o711)
  const dbName = `labgate_bench_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: ADMIN_URL })
  await admin.connect()
  await admin.query(`create database ${dbName}`)
  const database = Object.assign(new URL(ADMIN_URL), { pathname: `/${dbName}` }).toString()
  const robot: BenchRobot = {
    username: 'bench-robot@bench.test',
    password: randomBytes(18).toString('base64url'),
    clientId: 'bench-client',
    clientSecret: randomBytes(18).toString('base64url'),
  }
  const config = writeBenchPortal(join(dir, 'config'), WORKSHOPS, robot)
  const replicas: Replica[] = []
  const lb = balancer(() => replicas.map((r) => r.url))
  const lbPort = await freePort()
  await new Promise<void>((r) => lb.server.listen(lbPort, '127.0.0.1', r))
  const base = `http://127.0.0.1:${lbPort}`
  let errors = 0
  const api = new PortalApi(base)
  try {
    // The first migrates and provisions; the others start together.
    replicas.push(await startReplica(dir, config, 'r1', database, base))
    replicas.push(
      ...(await Promise.all(
        Array.from({ length: k - 1 }, (_, i) => startReplica(dir, config, `r${i + 2}`, database, base)),
      )),
    )
    await api.login(robot)
    const envs = await api.environments()
    const env = (w: string) => envs.get(w)!

    // Allocations per second, spread over the replicas by the balancer.
    const alloc: number[] = []
    const names: string[] = []
    let sent = 0
    const t0 = now()
    const deadline = t0 + s.timeLimitS * 1000
    await Promise.all(
      Array.from({ length: s.concurrency }, async () => {
        while (sent < s.n && now() < deadline) {
          const i = sent++
          const t = now()
          try {
            names.push(requested(await api.get(api.requestPath(env('ralloc'), `bench-ra-${i}`))).name)
            alloc.push(now() - t)
          } catch {
            errors++
          }
        }
      }),
    )
    const allocS = (now() - t0) / 1000
    log(`  replicas ${k}: ${names.length} allocations in ${allocS.toFixed(2)} s; terminating them`)
    await terminateAll(api, names)

    // The storm: STORM requests at once, each on a connection of its own, for a capacity of 20.
    const stormClients = Array.from({ length: STORM }, () => new HttpClient(base, 1))
    const st = now()
    const codes = await Promise.all(
      stormClients.map((c, i) =>
        c
          .send(api.requestPath(env('rstorm'), `bench-rs-${i}`), {
            headers: { authorization: `Bearer ${api.token}` },
          })
          .then(
            (r) => r.status,
            () => 0,
          ),
      ),
    )
    const stormMs = now() - st
    stormClients.forEach((c) => c.close())
    const storm = {
      sent: STORM,
      given: codes.filter((c) => c === 200).length,
      refused: codes.filter((c) => c === 503).length,
      other: codes.filter((c) => c !== 200 && c !== 503).length,
      capacity: 20,
      elapsedMs: stormMs,
    }
    log(
      `  replicas ${k}: storm of ${STORM} for capacity 20: ${storm.given} given, ${storm.refused} refused, ${storm.other} other`,
    )
    const live = (await api.liveSessions()).map((x) => x.name)
    await terminateAll(api, live)

    // Warm: request → signed-in dashboard through the balancer (new connections for each learner).
    const warm: number[] = []
    for (let i = 0; i < s.warmup + Math.max(5, Math.round(s.n / 20)); i++) {
      const avail = now() + 10_000
      while ((await api.status(env('rwarm'))).available < 1 && now() < avail) await sleep(20)
      const http = new HttpClient(base, 2)
      const t = now()
      try {
        const r = await robotRequest(api, env('rwarm'), `bench-rw-${i}`)(http)
        await new BrowserSession(http, r.name, r.jar).enter(r.url)
        if (i >= s.warmup) warm.push(now() - t)
        await api.terminate(r.name)
      } catch {
        errors++
      } finally {
        http.close()
      }
    }
    log(`  replicas ${k}: warm p50 ${warm.length ? ms(summarize(warm).p50) : '–'} ms`)

    // Echo, direct and relayed: one session's terminal opened on its holder and on another replica.
    let echoDirect: Summary | null = null
    let echoRelayed: Summary | null = null
    if (k >= 2) {
      const http = new HttpClient(base, 2)
      const r = await robotRequest(api, env('rwarm'), 'bench-re-0')(http)
      const browser = new BrowserSession(http, r.name, r.jar)
      await browser.enter(r.url)
      const q = new pg.Client({ connectionString: database })
      await q.connect()
      const holder = (
        await q.query(
          'select address from replicas where id = (select replica from sessions where name = $1)',
          [r.name],
        )
      ).rows[0]?.address as string
      await q.end()
      const other = replicas.map((x) => x.url).find((u) => u !== holder)!
      // each its own terminal (a fresh shell at its prompt)
      const echo = async (via: string, id: string) => {
        const target = browser.terminalTarget(id)
        // straight to one replica, as a balancer would pass it on: the page's origin is the host asked
        const term = await Terminal.open({
          url: target.url.replace(/^ws:\/\/[^/]+/, via.replace(/^http/, 'ws')),
          headers: { ...target.headers, origin: via },
        })
        const samples: number[] = []
        try {
          await term.waitFor((out) => PROMPT.test(out), 10_000, 'prompt')
          for (let i = 0; i < Math.max(20, Math.round(s.n / 5)); i++) {
            if (i % 40 === 39) {
              term.input('\u0015')
              await sleep(20)
            }
            await sleep(5)
            term.reset()
            const t = now()
            term.input('x')
            const at = await term.waitFor((out) => out.includes('x'), 1000, 'echo')
            if (i >= 5) samples.push(at - t)
          }
        } finally {
          await term.close()
        }
        return summarize(samples)
      }
      try {
        echoDirect = await echo(holder, '1')
        echoRelayed = await echo(other, '2')
      } catch (e) {
        log(`  replicas ${k}: echo failed: ${(e as Error).message}`)
        errors++
      }
      await api.terminate(r.name)
      http.close()
      log(
        `  replicas ${k}: echo p50 direct ${echoDirect ? ms(echoDirect.p50) : '–'} ms, relayed ${echoRelayed ? ms(echoRelayed.p50) : '–'} ms`,
      )
    }
    return {
      replicas: k,
      allocations: names.length,
      allocPerS: names.length / allocS,
      alloc: summarize(alloc),
      storm,
      warm: warm.length ? summarize(warm) : null,
      echoDirect,
      echoRelayed,
      errors,
    }
  } finally {
    api.close()
    for (const r of replicas) r.child.kill('SIGTERM')
    await Promise.race([Promise.all(replicas.map((r) => r.exited)), sleep(15_000)])
    for (const r of replicas) if (r.child.exitCode === null) r.child.kill('SIGKILL')
    for (const s of lb.sockets) s.destroy()
    lb.server.close()
    // The sandboxes outlive labgate by design: stop what is left, then drop the database.
    spawnKillUnder(dir)
    await sleep(200)
    unmountUnder(dir)
    try {
      rmSync(dir, { recursive: true, force: true })
    } catch (e) {
      log(`  replicas ${k}: could not remove ${dir}: ${(e as Error).message}`)
    }
    await admin.query(`drop database if exists ${dbName} with (force)`)
    await admin.end()
  }
}

/**
 * SIGKILLs the replicas' sandboxes: every bwrap whose stderr is a file under `dir`, and every sandbox pid 1
 * (labgate-init, whose stdio is /dev/null) whose mounts name `dir`.
 */
function spawnKillUnder(dir: string): void {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim()
      const ours =
        comm === 'bwrap'
          ? readlinkSync(`/proc/${entry}/fd/2`).startsWith(dir)
          : comm === 'init' &&
            /^NSpid:\s+\d+\s+1$/m.test(readFileSync(`/proc/${entry}/status`, 'utf8')) &&
            readFileSync(`/proc/${entry}/mountinfo`, 'utf8').includes(dir)
      if (ours) process.kill(Number(entry), 'SIGKILL')
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
}

/**
 * (r) The replicas figure: {@link level} for 1, 2 and 3 replicas (`s.n` allocations each, `concurrency` in
 * flight). The headline is allocations per second with three replicas; the rest is in the details.
 */
export async function replicasFigure(ctx: FigureContext, s: Settings): Promise<FigureResult> {
  const rec = new Recorder('replicas', s, ctx.log)
  const levels: ReplicaLevel[] = []
  for (const k of [1, 2, 3]) {
    try {
      levels.push(await level(k, s, ctx.log))
    } catch (e) {
      ctx.log(`  replicas ${k}: failed: ${(e as Error).stack ?? e}`)
      rec.error(e)
    }
  }
  rec.details.levels = levels
  rec.errors += levels.reduce((n, l) => n + l.errors, 0)
  const inexact = levels.filter((l) => l.storm.given !== l.storm.capacity)
  if (inexact.length)
    rec.notes.push(`storm not exact with ${inexact.map((l) => l.replicas).join(', ')} replicas`)
  rec.notes.push(
    'two cores run every replica, PostgreSQL, the sandboxes and the bench: more replicas add coordination ' +
      '(heartbeats, notices, relayed hops) without adding CPU, so the curve shows the cost of replicas, not their gain',
  )
  const last = levels.at(-1)
  return rec.result(last ? { rate: last.allocPerS, unit: 'allocations/s' } : {})
}
