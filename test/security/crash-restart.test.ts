/**
 * labgate killed with SIGKILL in the middle of a storm of session requests, then started again on the same
 * data directory: every acknowledged allocation survives, capacity holds, and the sandboxes on the machine
 * are exactly one per live session (none for ended or unknown sessions). Each round runs labgate as a child
 * process (needs `npm run build`) as root with bubblewrap. `LABGATE_CRASH_ROUNDS` sets the number of rounds
 * (default 3).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { openStore } from '../../src/store/open-store.js'
import type { Session } from '../../src/store/rows.js'
import { writePortal } from '../harness.js'
import { robotToken } from '../robot-token.js'

const ROUNDS = Number(process.env.LABGATE_CRASH_ROUNDS ?? 3)
const CAPACITY = 10
const REQUESTS = 200
const bin = join(import.meta.dirname, '../../bin/labgate.js')
const robot = {
  username: 'robot@crash',
  password: 'robot-password-0123456789',
  clientId: 'robot-client',
  clientSecret: 'robot-secret-0123456789',
}

let dir: string
let config: string
const children = new Set<ChildProcess>()

beforeAll(() => {
  if (!existsSync(join(import.meta.dirname, '../../dist/main/cli/main.js')))
    throw new Error('run `npm run build` first')
  dir = mkdtempSync(join(tmpdir(), 'labgate-crash-'))
  chmodSync(dir, 0o711)
  config = writePortal(join(dir, 'portal'), {
    robot,
    workshops: [{ name: 'storm', capacity: CAPACITY, reserved: 2 }],
  })
})

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL')
  await killSandboxes(dir)
  rmSync(dir, { recursive: true, force: true })
})

/** A running `labgate serve` child process and its URL. */
interface Server {
  child: ChildProcess
  url: string
  output: () => string
}

/** Starts `labgate serve` on `data` and resolves once it prints its URL (start-up, adoption included, done). */
async function serve(data: string): Promise<Server> {
  const child = spawn(process.execPath, [bin, 'serve', '--config', config, '--data', data, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.add(child)
  child.once('exit', () => children.delete(child))
  let out = ''
  child.stdout?.on('data', (c) => (out += c))
  child.stderr?.on('data', (c) => (out += c))
  const deadline = Date.now() + 30_000
  while (!/Press Ctrl-C/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`labgate did not start:\n${out}`)
    await sleep(20)
  }
  const url = /labgate is running: portal \S+ at (http:\/\/\S+?)\/\s/.exec(out)?.[1]
  if (!url) throw new Error(`no URL in labgate's output:\n${out}`)
  return { child, url, output: () => out }
}

async function kill(server: Server): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return
  const exited = new Promise((r) => server.child.once('exit', r))
  server.child.kill('SIGKILL')
  await exited
}

/** One session request; the session's name when labgate acknowledged it (a 2xx naming a session). */
async function request(url: string, token: string, user: string): Promise<string | null> {
  try {
    const res = await fetch(
      `${url}/workshops/environment/lab-w01/request/?index_url=https://hub.test/&user=${user}`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    )
    if (res.status < 200 || res.status > 299) return null
    const body = (await res.json()) as { name?: string }
    return body.name ?? null
  } catch {
    return null // the connection died with labgate
  }
}

/** A sandbox found on the machine: its pid 1 (as seen here), the bwrap above it, and its session. */
interface FoundSandbox {
  pid: number
  ppid: number
  session: string
}

/**
 * Every sandbox on the machine whose home is a session home under `root`, found from /proc alone: a process
 * that is pid 1 of a pid namespace one level below ours, whose mount table binds `<data>/sessions/<s>/home`
 * (deleted or not) at /home/lab. Independent of anything labgate records.
 */
function scanSandboxes(root: string): FoundSandbox[] {
  const found: FoundSandbox[] = []
  const marker = basename(root)
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8')
      const nspid = /^NSpid:\s+(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/)
      if (!nspid || nspid.length !== 2 || nspid[1] !== '1') continue
      const ppid = Number(/^PPid:\s+(\d+)$/m.exec(status)?.[1])
      for (const line of readFileSync(`/proc/${entry}/mountinfo`, 'utf8').split('\n')) {
        const fields = line.split(' ')
        if (fields[4] !== '/home/lab' || !fields[3]?.includes(marker)) continue
        const session = /\/sessions\/([^/]+)\/home(\/\/deleted)?$/.exec(fields[3])?.[1]
        if (session) found.push({ pid: Number(entry), ppid, session })
      }
    } catch {
      // The process went meanwhile, or is not ours to read.
    }
  }
  return found
}

/** Every process whose stderr is a sandbox's setup log under `root` (bwrap processes, set up or not). */
function unfinished(root: string): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const target = readlinkSync(`/proc/${entry}/fd/2`)
      if (target.startsWith(root + '/') && target.includes('/bwrap.log')) pids.push(Number(entry))
    } catch {
      // Gone, or not ours to read.
    }
  }
  return pids
}

/** SIGKILLs every sandbox under `root` (pid 1 and the bwrap above it) and waits until they are gone. */
async function killSandboxes(root: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const left = scanSandboxes(root)
    for (const pid of unfinished(root)) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // Gone.
      }
    }
    if (left.length === 0) return
    for (const s of left) {
      for (const pid of [s.pid, s.ppid]) {
        try {
          if (pid > 1) process.kill(pid, 'SIGKILL')
        } catch {
          // Gone.
        }
      }
    }
    await sleep(50)
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const LIVE = ['STARTING', 'WAITING', 'RUNNING'] as const

/** The store's sessions, read through a connection of the test's own. */
async function sessions(data: string): Promise<Session[]> {
  const db = await openStore({ sqlite: join(data, 'labgate.db') })
  try {
    return await db.store.listSessions({})
  } finally {
    await db.close()
  }
}

/**
 * Waits until no session is starting or stopping and the picture (states and sandboxes) has held for a
 * second; resolves with the sessions then.
 */
async function settled(data: string): Promise<Session[]> {
  const deadline = Date.now() + 30_000
  let last = ''
  let since = Date.now()
  for (;;) {
    const rows = await sessions(data)
    const busy = rows.some((s) => s.state === 'STARTING' || s.state === 'STOPPING')
    const picture = JSON.stringify([
      rows.map((s) => [s.name, s.state]),
      scanSandboxes(data).map((s) => [s.session, s.pid]),
    ])
    if (picture !== last) {
      last = picture
      since = Date.now()
    }
    if (!busy && Date.now() - since >= 1000) return rows
    if (Date.now() > deadline) return rows
    await sleep(200)
  }
}

it(`keeps every allocation and exactly one sandbox per live session across ${ROUNDS} SIGKILLs`, async () => {
  const began = Date.now()
  const report: string[] = []
  for (let round = 1; round <= ROUNDS; round++) {
    const data = join(dir, `round-${round}`)
    let server = await serve(data)
    try {
      const token = await robotToken(server.url, robot)
      // SIGKILL at a random point of the storm. Odd rounds aim at sandbox starts under way: once 1 to 7
      // sandboxes beyond the two reserves' are up (their handles may not be stored yet), then 0 to 15 ms
      // more. Even rounds: after 0 to 10 acknowledged allocations, then up to 300 ms more, so that starts
      // are queued, under way, finishing or done.
      const bySandboxes = round % 2 === 1
      const killAt = bySandboxes ? 1 + Math.floor(Math.random() * 7) : Math.floor(Math.random() * 11)
      const killAfter = bySandboxes
        ? Math.floor(Math.random() * 16)
        : Math.floor(Math.random() * 300) + (killAt === 0 ? 10 : 0)
      let answered = 0
      let reached: () => void = () => undefined
      const enough = new Promise<void>((r) => (reached = r))
      if (killAt === 0) reached()
      const replies = Array.from({ length: REQUESTS }, (_, i) =>
        request(server.url, token, `u${round}-${i}`).then((name) => {
          if (!bySandboxes && name !== null && ++answered >= killAt) reached()
          return name
        }),
      )
      if (bySandboxes) {
        const until = Date.now() + 5_000
        while (scanSandboxes(data).length < 2 + killAt && Date.now() < until) await sleep(2)
      } else {
        await Promise.race([enough, Promise.all(replies)])
      }
      await sleep(killAfter)
      await kill(server)
      const acknowledged = (await Promise.all(replies)).filter((n): n is string => n !== null)

      server = await serve(data)
      const rows = await settled(data)
      const byName = new Map(rows.map((s) => [s.name, s]))
      const live = rows.filter((s) => (LIVE as readonly string[]).includes(s.state))
      const found = scanSandboxes(data)
      const perSession = new Map<string, FoundSandbox[]>()
      for (const f of found) perSession.set(f.session, [...(perSession.get(f.session) ?? []), f])
      const what =
        `round ${round}, SIGKILL ${killAfter} ms after ${killAt} ${bySandboxes ? 'sandboxes' : 'replies'}, ${acknowledged.length} acknowledged; ` +
        `sessions ${JSON.stringify(rows.map((s) => [s.name, s.state, s.owner !== null]))}; ` +
        `sandboxes ${JSON.stringify(found)}`
      const swept = server.output().match(/no session records it|start never finished/g)?.length ?? 0
      report.push(
        `round ${round}: SIGKILL ${killAfter} ms after ${killAt} ${bySandboxes ? 'sandboxes beyond the reserves' : 'replies'}, ${acknowledged.length} acknowledged, ${live.length} live, ` +
          `${swept} unrecorded sandboxes stopped at restart`,
      )

      // Every acknowledged allocation still exists and holds a running sandbox.
      for (const name of acknowledged) {
        expect(byName.get(name)?.state, `${name} lost; ${what}`).toBe('RUNNING')
      }
      // Capacity holds.
      expect(live.length, what).toBeLessThanOrEqual(CAPACITY)
      // Exactly one sandbox per live session, the one its row records; none for any other session.
      for (const s of live) {
        const mine = perSession.get(s.name) ?? []
        expect(mine.length, `${s.name} (${s.state}) has ${mine.length} sandboxes; ${what}`).toBe(1)
        const handle = s.handle as { childPid?: number } | null
        expect(handle?.childPid, `${s.name}'s row records another sandbox; ${what}`).toBe(mine[0]?.pid)
      }
      const liveNames = new Set(live.map((s) => s.name))
      const strays = found.filter((f) => !liveNames.has(f.session))
      expect(strays, `sandboxes of ended or unknown sessions; ${what}`).toEqual([])
      // Nor any process left of a sandbox whose setup a crash cut off (a bwrap with the setup log as stderr).
      const ours = new Set(found.flatMap((f) => [f.pid, f.ppid]))
      expect(
        unfinished(data).filter((p) => !ours.has(p)),
        `unfinished sandboxes; ${what}`,
      ).toEqual([])
      // And no files of ended sessions are left behind.
      const dirs = readdirSync(join(data, 'sessions')).filter((n) => !n.startsWith('.'))
      expect(dirs.sort(), `session directories; ${what}`).toEqual([...liveNames].sort())
    } finally {
      await kill(server)
      await killSandboxes(data)
      rmSync(data, { recursive: true, force: true })
    }
  }
  console.log(`${report.join('\n')}\n${ROUNDS} rounds in ${((Date.now() - began) / 1000).toFixed(1)} s`)
}, 600_000)
