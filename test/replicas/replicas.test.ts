/**
 * Three `labgate serve` replicas on one PostgreSQL database, behind no load balancer: requests are spread
 * over them by hand. Allocation stays exact, a terminal opened through one replica reaches the sandbox
 * another holds, and when the replica that runs the portal-wide passes is SIGKILLed the lease moves and
 * the dead replica's sessions are marked failed.
 */
import { readFileSync } from 'node:fs'
import pg from 'pg'
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CookieClient, eventually } from '../harness.js'
import { PG_TESTS, PgDatabases } from '../pg-databases.js'
import { ReplicaSet, robotToken, type ReplicaProcess } from './replica-processes.js'

const databases = new PgDatabases()
let set: ReplicaSet
let db: pg.Client
let a: ReplicaProcess, b: ReplicaProcess, c: ReplicaProcess

const CAPACITY = 6

beforeAll(async () => {
  if (!PG_TESTS) return
  const url = await databases.create()
  set = new ReplicaSet(
    {
      backend: 'local',
      workshops: [
        { name: 'storm', capacity: CAPACITY, reserved: 0, initial: 0 },
        { name: 'shell', capacity: 4, reserved: 0, initial: 0 },
      ],
    },
    url,
  )
  // The first migrates and provisions; the other two start together against what it made. All three
  // have a's address as their public URL, as replicas behind one load balancer share one.
  a = await set.start('a')
  const shared = ['--public-url', a.url]
  ;[b, c] = await Promise.all([set.start('b', shared), set.start('c', shared)])
  db = new pg.Client({ connectionString: url })
  await db.connect()
}, 90_000)

afterAll(async () => {
  // DEBUG_REPLICAS=1 prints what each replica logged.
  if (process.env.DEBUG_REPLICAS)
    for (const r of set?.replicas ?? []) console.log(`--- ${r.id}\n${r.output()}`)
  await db?.end()
  await set?.close()
  await databases.dropAll()
})

/** Asks replica `r` for a session of `environment` for `user` as the robot. */
async function request(r: ReplicaProcess, token: string, environment: string, user: string) {
  return fetch(
    `${r.url}/workshops/environment/${environment}/request/?index_url=https://hub.test/&user=${user}`,
    {
      headers: { authorization: `Bearer ${token}` },
    },
  )
}

/** The parent of `pid`, from /proc. */
const parentOf = (pid: number) =>
  Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1])

describe.runIf(PG_TESTS)('three replicas on one PostgreSQL database', () => {
  it('registers all three, and exactly one of them leads', async () => {
    const { rows } = await db.query('select id, stopped_at from replicas order by id')
    expect(rows.map((r) => r.id).sort()).toEqual([a.id, b.id, c.id].sort())
    expect(new Set([a.id, b.id, c.id]).size).toBe(3)
    const lease = await db.query(`select holder from leases where name = 'reconciler'`)
    expect([a.id, b.id, c.id]).toContain(lease.rows[0]?.holder)
  })

  it('gives exactly min(N, capacity) sessions to a storm of requests spread over the replicas', async () => {
    const replicas = [a, b, c]
    const tokens = await Promise.all(replicas.map((r) => robotToken(r.url)))
    const N = 45
    const answers = await Promise.all(
      Array.from({ length: N }, (_, i) => request(replicas[i % 3]!, tokens[i % 3]!, 'lab-w01', `storm-${i}`)),
    )
    const statuses = answers.map((r) => r.status)
    expect(statuses.filter((s) => s === 200)).toHaveLength(CAPACITY)
    expect(statuses.filter((s) => s === 503)).toHaveLength(N - CAPACITY)
    const { rows } = await db.query(
      `select owner, replica from sessions where environment = 'lab-w01' and state <> 'STOPPED'`,
    )
    expect(rows).toHaveLength(CAPACITY)
    expect(new Set(rows.map((r) => r.owner)).size).toBe(CAPACITY)
    // each session is held by the replica that created it
    for (const r of rows) expect([a.id, b.id, c.id]).toContain(r.replica)
  }, 60_000)

  it('serves a terminal opened through one replica from the sandbox another one holds', async () => {
    const token = await robotToken(b.url)
    const res = await request(b, token, 'lab-w02', 'relayed-1')
    expect(res.status, await res.clone().text()).toBe(200)
    const { name, url } = (await res.json()) as { name: string; url: string }
    const row = await eventually('the session running on b', async () => {
      const { rows } = await db.query('select state, replica, handle from sessions where name = $1', [name])
      return rows[0]?.state === 'RUNNING' ? rows[0] : null
    })
    expect(row.replica).toBe(b.id)

    // The learner's browser only ever talks to replica a.
    const browser = new CookieClient()
    let page = await browser.get(`${a.url}${url}`)
    for (let i = 0; i < 8 && (page.status === 302 || page.status === 303); i++) {
      page = await browser.get(new URL(page.headers.get('location')!, a.url).toString())
    }
    const body = await page.text()
    expect(page.status, body).toBe(200)
    expect(body).toContain(name)
    const ws = new WebSocket(`${a.url.replace('http', 'ws')}/sessions/${name}/terminal/1`, {
      headers: { cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    })
    let out = ''
    ws.on('message', (data, binary) => binary && (out += (data as Buffer).toString('utf8')))
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
    await eventually('the prompt', async () => /\$ $/.test(out))
    ws.send(JSON.stringify({ t: 'i', d: 'echo "session=$SESSION_NAME pid=$$"\r' }))
    const shell = await eventually('the answer', async () => {
      const m = new RegExp(`session=${name} pid=(\\d+)`).exec(out)
      return m ? Number(m[1]) : null
    })
    expect(shell).toBeGreaterThan(0)
    // The shell is b's: some ancestor of the shell's host process is b's labgate, none is a's.
    const hostShell = await eventually('the shell on the host', async () => {
      const { execFileSync } = await import('node:child_process')
      const pids = execFileSync('pgrep', ['-x', 'bash'], { encoding: 'utf8' }).trim().split('\n').map(Number)
      const ancestors = (pid: number) => {
        const seen: number[] = []
        for (let p = pid; p > 1 && seen.length < 20; p = parentOf(p)) seen.push(p)
        return seen
      }
      return (
        pids.map(ancestors).find((chain) => chain.includes(b.pid) && readEnviron(chain[0]!).includes(name)) ??
        null
      )
    })
    expect(hostShell).not.toContain(a.pid)
    ws.close()
  }, 60_000)

  it('moves the lease within seconds when its holder is SIGKILLed, and fails the dead replica’s sessions', async () => {
    const holderOf = async () =>
      (await db.query(`select holder from leases where name = 'reconciler'`)).rows[0]?.holder
    const before = await holderOf()
    const victim = [a, b, c].find((r) => r.id === before)!
    const { rows: held } = await db.query(
      `select name from sessions where replica = $1 and state <> 'STOPPED'`,
      [victim.id],
    )
    // a session another replica holds, which must live on
    const survivor = [a, b, c].find((r) => r.id !== victim.id)!
    const kept = await request(survivor, await robotToken(survivor.url), 'lab-w02', 'survivor-1')
    expect(kept.status).toBe(200)
    const keptName = ((await kept.json()) as { name: string }).name
    await eventually('the survivor’s session running', async () => {
      const { rows } = await db.query('select state, replica from sessions where name = $1', [keptName])
      return rows[0]?.state === 'RUNNING' && rows[0].replica === survivor.id
    })
    const killedAt = Date.now()
    await victim.kill()
    const after = await eventually(
      'another replica holding the lease',
      async () => {
        const h = await holderOf()
        return h && h !== victim.id ? h : null
      },
      20_000,
    )
    const tookMs = Date.now() - killedAt
    expect([a.id, b.id, c.id].filter((id) => id !== victim.id)).toContain(after)
    expect(tookMs).toBeLessThan(15_000)
    // Past the replica timeout (4 s here) the dead replica's sessions are failed; the others' are not.
    await eventually(
      'the dead replica’s sessions failed',
      async () => {
        const { rows } = await db.query(
          `select name, state, stop_reason from sessions where replica = $1 and state <> 'STOPPED'`,
          [victim.id],
        )
        return rows.length === 0
      },
      20_000,
    )
    for (const { name } of held) {
      const { rows } = await db.query('select state, stop_reason from sessions where name = $1', [name])
      expect(rows[0]).toEqual({ state: 'STOPPED', stop_reason: 'failed' })
    }
    const { rows: alive } = await db.query('select state from sessions where name = $1', [keptName])
    expect(alive[0]).toEqual({ state: 'RUNNING' })
  }, 60_000)
})

/** The environment of process `pid` as text ('' when it cannot be read). */
function readEnviron(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8')
  } catch {
    return ''
  }
}
