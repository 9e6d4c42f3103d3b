/**
 * A reserve's first terminal starts with its sandbox: the learner who takes the reserve finds a prompt
 * waiting, from the same shell, with the session's environment.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs'
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CookieClient, eventually, startHarness, type Harness } from '../harness.js'

let h: Harness
let token: string

beforeAll(async () => {
  h = await startHarness({ workshops: [{ name: 'warm', capacity: 2, reserved: 1 }] })
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

describe('a reserve’s terminal', () => {
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

    const r = await fetch(
      `${h.url}/workshops/environment/lab-w01/request/?index_url=https://hub.test/&user=warm-1`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    )
    const { name, url } = (await r.json()) as { name: string; url: string }
    expect(name).toBe(reserve.name)
    const browser = new CookieClient()
    let res = await browser.get(`${h.url}${url}`)
    for (let i = 0; i < 8 && (res.status === 302 || res.status === 303); i++) {
      res = await browser.get(new URL(res.headers.get('location')!, h.url).toString())
    }
    expect(res.status).toBe(200)

    const ws = new WebSocket(`${h.url.replace('http', 'ws')}/sessions/${name}/terminal/1`, {
      headers: { cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    })
    let out = ''
    ws.on('message', (data, binary) => binary && (out += (data as Buffer).toString('utf8')))
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
    // The prompt is in the scrollback at once: nothing had to start.
    await eventually('the prompt', async () => /\$ $/.test(out))
    ws.send(JSON.stringify({ t: 'i', d: 'echo "session=$SESSION_NAME"\r' }))
    await eventually('the answer', async () => out.includes(`session=${name}`))
    expect(bashesUnder(root)).toEqual([shell])
    ws.close()
  })
})
