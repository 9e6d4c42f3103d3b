/**
 * A session's first terminal starts with its sandbox: the learner who takes a reserve, or whose session
 * was started on request, finds a prompt waiting, from the same shell, with the session's environment.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs'
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CookieClient, eventually, startHarness, type Harness } from '../harness.js'

let h: Harness
let token: string

beforeAll(async () => {
  h = await startHarness({
    workshops: [
      { name: 'warm', capacity: 2, reserved: 1 },
      { name: 'cold', capacity: 2, reserved: 0, initial: 0 },
    ],
  })
  token = await h.token()
})
afterAll(async () => h?.close())

/** Host pids of the bash processes in the pid namespace of the sandbox whose pid 1 is `root`. */
function bashesUnder(root: number): number[] {
  const ns = readlinkSync(`/proc/${root}/ns/pid`)
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return (
          readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'bash' &&
          readlinkSync(`/proc/${pid}/ns/pid`) === ns
        )
      } catch {
        return false
      }
    })
    .map(Number)
}

/** Follows `url` (the activation URL) in a cookie-keeping client to the dashboard; returns the client. */
async function signIn(url: string): Promise<CookieClient> {
  const browser = new CookieClient()
  let res = await browser.get(`${h.url}${url}`)
  for (let i = 0; i < 8 && (res.status === 302 || res.status === 303); i++) {
    res = await browser.get(new URL(res.headers.get('location')!, h.url).toString())
  }
  expect(res.status).toBe(200)
  return browser
}

/** Opens terminal 1 of `name` with `browser`'s cookies and collects its output. */
async function openTerminal(name: string, browser: CookieClient) {
  const ws = new WebSocket(`${h.url.replace('http', 'ws')}/sessions/${name}/terminal/1`, {
    headers: { cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
  })
  const t = { ws, out: '' }
  ws.on('message', (data, binary) => binary && (t.out += (data as Buffer).toString('utf8')))
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
  return t
}

/** Asks for a session of `environment` for `user` as the robot. */
async function request(environment: string, user: string): Promise<{ name: string; url: string }> {
  const r = await fetch(
    `${h.url}/workshops/environment/${environment}/request/?index_url=https://hub.test/&user=${user}`,
    { headers: { authorization: `Bearer ${token}` } },
  )
  expect(r.status).toBe(200)
  return (await r.json()) as { name: string; url: string }
}

describe('a session’s first terminal', () => {
  it('is running before anyone asks, and the learner who takes the reserve gets that shell', async () => {
    const reserve = await eventually('a waiting reserve', async () => {
      const [s] = await h.lg.deps.store.listSessions({ environment: 'lab-w01', states: ['WAITING'] })
      return s?.handle ? s : null
    })
    const root = (reserve.handle as unknown as { childPid: number }).childPid
    const [shell] = await eventually('a shell in the reserve', async () => {
      const found = bashesUnder(root)
      return found.length > 0 ? found : null
    })

    const { name, url } = await request('lab-w01', 'warm-1')
    expect(name).toBe(reserve.name)
    const t = await openTerminal(name, await signIn(url))
    // The prompt is in the scrollback at once: nothing had to start.
    await eventually('the prompt', async () => /\$ $/.test(t.out))
    t.ws.send(JSON.stringify({ t: 'i', d: 'echo "session=$SESSION_NAME"\r' }))
    await eventually('the answer', async () => t.out.includes(`session=${name}`))
    expect(bashesUnder(root)).toEqual([shell])
    t.ws.close()
  })

  it('of a session started on request runs once it is up and activated; the learner gets that shell', async () => {
    const running = async (name: string) =>
      eventually('the session running', async () => {
        const s = await h.lg.deps.store.getSession(name)
        return s?.state === 'RUNNING' && s.handle ? s : null
      })
    const rootOf = (s: { handle: unknown }) => (s.handle as { childPid: number }).childPid
    // Up, allocated through the API, not activated yet: no shell (a burst of requests starts none).
    const { name, url } = await request('lab-w02', 'cold-1')
    const root = rootOf(await running(name))
    await new Promise((r) => setTimeout(r, 300))
    expect(bashesUnder(root)).toEqual([])
    // The learner's browser activates it: its first shell starts before the dashboard opens a terminal.
    const browser = await signIn(url)
    const [shell] = await eventually('a shell in the session', async () => {
      const found = bashesUnder(root)
      return found.length > 0 ? found : null
    })
    const t = await openTerminal(name, browser)
    await eventually('the prompt', async () => /\$ $/.test(t.out))
    t.ws.send(JSON.stringify({ t: 'i', d: 'echo "user=$(id -un) session=$SESSION_NAME"\r' }))
    await eventually('the answer', async () => t.out.includes(`user=lab session=${name}`))
    expect(bashesUnder(root)).toEqual([shell])
    t.ws.close()
  })
})
