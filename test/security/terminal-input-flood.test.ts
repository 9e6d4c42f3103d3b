/**
 * Attack: a learner runs a program that never reads its terminal (`sleep 600`) and floods the terminal's
 * WebSocket with input. The pty's input queue fills; labgate must keep answering everyone else, drop the
 * unread input after a while, and still end the session. labgate runs as a child process: if its event
 * loop is held, this process measures that, and SIGKILLs it afterwards.
 */
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CookieClient } from '../harness.js'
import { startChildLabgate, type ChildLabgate } from './child-labgate.js'

const robot = {
  username: 'robot@flood',
  password: 'robot-password-0123456789',
  clientId: 'robot-client',
  clientSecret: 'robot-secret-0123456789',
}
let lg: ChildLabgate

beforeAll(async () => {
  lg = await startChildLabgate({ name: 'flood', robot, workshops: [{ name: 'w', capacity: 1, reserved: 1 }] })
}, 60_000)
afterAll(async () => lg?.cleanUp(), 60_000)

/** Milliseconds `/healthz` takes to answer 200; `limitMs` when it does not answer within that. */
async function healthz(limitMs: number): Promise<number> {
  const start = performance.now()
  try {
    const res = await fetch(`${lg.url}/healthz`, { signal: AbortSignal.timeout(limitMs) })
    await res.arrayBuffer()
    return res.status === 200 ? performance.now() - start : limitMs
  } catch {
    return limitMs
  }
}

async function robotToken(): Promise<string> {
  const res = await fetch(`${lg.url}/oauth2/token/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'password',
      username: robot.username,
      password: robot.password,
      client_id: robot.clientId,
      client_secret: robot.clientSecret,
    }),
  })
  expect(res.status).toBe(200)
  return ((await res.json()) as { access_token: string }).access_token
}

/** Resolves once the catalog shows the environment's reserve as available; throws after 30 s. */
async function reserveAvailable(token: string): Promise<void> {
  const until = Date.now() + 30_000
  for (;;) {
    const res = await fetch(`${lg.url}/workshops/catalog/environments/`, {
      headers: { authorization: `Bearer ${token}` },
    })
    const body = (await res.json()) as { environments: Array<{ name: string; available: number }> }
    if (body.environments.find((e) => e.name === 'flood-w01')?.available) return
    if (Date.now() > until) throw new Error(`no reserve became available: ${JSON.stringify(body)}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

const summary = (ms: number[]) => {
  const sorted = [...ms].sort((a, b) => a - b)
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!)
  return { n: ms.length, median: at(0.5), p90: at(0.9), max: at(1) }
}

describe('a terminal flooded with input its program never reads', () => {
  it('leaves labgate responsive, drops the unread input, and the session can still be ended', async () => {
    const token = await robotToken()
    // Capacity is 1: until the boot's reserve is up (WAITING) a request gets Educates' 503.
    await reserveAvailable(token)
    const requested = await fetch(
      `${lg.url}/workshops/environment/flood-w01/request/?index_url=https://hub.test/&user=learner`,
      { headers: { authorization: `Bearer ${token}` } },
    )
    expect(requested.status).toBe(200)
    const session = (await requested.json()) as { name: string; url: string }
    const browser = new CookieClient()
    let res = await browser.get(`${lg.url}${session.url}`)
    for (let i = 0; i < 8 && (res.status === 302 || res.status === 303); i++) {
      res = await browser.get(new URL(res.headers.get('location')!, lg.url).toString())
    }
    expect(res.status).toBe(200)

    const ws = new WebSocket(`${lg.url.replace('http', 'ws')}/sessions/${session.name}/terminal/1`, {
      headers: { cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    })
    let out = ''
    const controls: Array<Record<string, unknown>> = []
    ws.on('message', (data: Buffer, binary) => {
      if (binary) out += data.toString('utf8')
      else controls.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>)
    })
    ws.on('error', () => {})
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)))
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
    const until = async (what: string, check: () => boolean, ms: number) => {
      const end = Date.now() + ms
      while (!check()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}; output: ${out.slice(-500)}`)
        await new Promise((r) => setTimeout(r, 50))
      }
    }
    ws.send(JSON.stringify({ t: 'i', d: 'echo ready-$((6 * 7))\r' }))
    await until('the shell', () => out.includes('ready-42'), 20_000)
    ws.send(JSON.stringify({ t: 'i', d: 'sleep 600\r' }))
    await new Promise((r) => setTimeout(r, 500))

    const before: number[] = []
    for (let i = 0; i < 10; i++) before.push(await healthz(5000))

    // 1.5 MiB of input in 48 frames of 32 KiB, all at once.
    const frame = JSON.stringify({ t: 'i', d: 'y\n'.repeat(16 * 1024) })
    for (let i = 0; i < 48; i++) ws.send(frame)

    const during: number[] = []
    const floodEnd = Date.now() + 6000
    while (Date.now() < floodEnd) {
      during.push(await healthz(5000))
      await new Promise((r) => setTimeout(r, 100))
    }
    console.log(
      `/healthz latency (ms) before the flood ${JSON.stringify(summary(before))}, ` +
        `during it ${JSON.stringify(summary(during))}`,
    )
    expect(Math.max(...during)).toBeLessThan(2000)

    // The program never reads: its pending input is dropped, and the viewer is told.
    await until('the dropped-input notice', () => /dropped \d+ bytes of input/.test(out), 40_000)

    // Ending the session still works, and closes the terminal.
    const started = performance.now()
    const terminated = await fetch(`${lg.url}/workshops/session/${session.name}/terminate/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(10_000),
    })
    expect(terminated.status).toBe(200)
    console.log(`terminate answered in ${Math.round(performance.now() - started)} ms`)
    await Promise.race([
      closed,
      new Promise((_, reject) => setTimeout(() => reject(new Error('no close')), 15_000)),
    ])
    expect(controls.some((c) => c.t === 'x')).toBe(true)
    expect(await healthz(5000)).toBeLessThan(2000)
    // And labgate shuts down on SIGTERM.
    expect(await lg.stop(20_000), lg.output()).toBe(true)
  }, 180_000)
})
