/**
 * The gateway as labgate wires it, over the fake backend: terminals and web apps go through the backend's
 * `exec` and `connect` whatever the backend is (`test/e2e/gateway.test.ts` runs the same into real
 * sandboxes).
 */
import { createServer } from 'node:http'
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CookieClient, eventually, startHarness, type Harness } from '../../test/harness.js'
import type { FakeBackend, FakeHandle, FakePty } from '../backends/fake/index.js'

let h: Harness
let backend: FakeBackend
let token: string

beforeAll(async () => {
  h = await startHarness({
    backend: 'fake',
    workshops: [{ name: 'web', capacity: 4, reserved: 0 }],
    ingressesFor: { web: [{ name: 'site', port: 8000 }] },
  })
  backend = h.lg.deps.backend as FakeBackend
  token = await h.token()
})
afterAll(async () => h?.close())

/** Requests a session for `user` and activates it in a fresh browser signed in to the gateway. */
async function signedIn(user: string) {
  const r = await fetch(
    `${h.url}/workshops/environment/lab-w01/request/?index_url=https://hub.test/&user=${user}`,
    { headers: { authorization: `Bearer ${token}` } },
  )
  const { name, url } = (await r.json()) as { name: string; url: string }
  const browser = new CookieClient()
  let res = await browser.get(`${h.url}${url}`)
  for (let i = 0; i < 8 && (res.status === 302 || res.status === 303); i++) {
    res = await browser.get(new URL(res.headers.get('location')!, h.url).toString())
  }
  expect(res.status).toBe(200)
  const row = await eventually('RUNNING', async () => {
    const s = await h.lg.deps.store.getSession(name)
    return s?.state === 'RUNNING' ? s : null
  })
  const sandbox = backend.world.sandboxes.get((row.handle as FakeHandle).id)!
  return { name, sandbox, cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ') }
}

function openTerminal(session: string, cookie: string) {
  const ws = new WebSocket(`${h.url.replace('http', 'ws')}/sessions/${session}/terminal/1`, {
    headers: { cookie },
  })
  let out = ''
  ws.on('message', (data: Buffer, binary) => (out += binary ? data.toString('utf8') : `[ctl]${data}`))
  const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()))
  return {
    output: () => out,
    closed,
    type: (text: string) => ws.send(JSON.stringify({ t: 'i', d: text })),
    close: () => ws.close(),
  }
}

describe('the gateway over the fake backend', () => {
  it("hands the learner the shell started ahead in their session's sandbox", async () => {
    const a = await signedIn('fake-gw-a')
    const [pty] = await eventually('the shell started ahead', async () =>
      a.sandbox.ptys.size > 0 ? [...a.sandbox.ptys] : null,
    )
    expect((pty as FakePty).env.SESSION_NAME).toBe(a.name)
    const t = openTerminal(a.name, a.cookie)
    await eventually('the prompt', async () => t.output().startsWith('$ '))
    t.type('hello\r')
    await eventually('the echo', async () => t.output().includes('hello\r\n'))
    expect((pty as FakePty).written).toEqual(['hello\r'])
    expect(a.sandbox.ptys.size).toBe(1)
    t.close()
  })

  it("closes a stopped session's terminal with a message and ends its shell", async () => {
    const a = await signedIn('fake-gw-b')
    const t = openTerminal(a.name, a.cookie)
    await eventually('the prompt', async () => t.output().includes('$ '))
    const [pty] = [...a.sandbox.ptys]
    await fetch(`${h.url}/workshops/session/${a.name}/terminate/`, {
      headers: { authorization: `Bearer ${token}` },
    })
    await t.closed
    expect(t.output()).toContain('This session has ended.')
    expect(pty?.exited).not.toBeNull()
  })

  it("proxies a session's web app to what listens on its port", async () => {
    const a = await signedIn('fake-gw-c')
    const app = createServer((req, res) => res.end(`app of ${a.name} at ${req.url}`))
    await backend.world.listen(a.name, 8000, app)
    const res = await fetch(`${h.url}/sessions/${a.name}/apps/site/page?x=1`, {
      headers: { cookie: a.cookie },
    })
    expect(await res.text()).toBe(`app of ${a.name} at /page?x=1`)
  })
})
