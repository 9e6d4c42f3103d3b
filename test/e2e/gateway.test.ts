/**
 * The session gateway end to end with real sandboxes: session-scoped cookies, terminals over WebSocket,
 * session config endpoints, a web app inside the sandbox, and what happens when a session stops.
 */
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CookieClient, eventually, startHarness, type Harness } from '../harness.js'

let h: Harness
let token: string

beforeAll(async () => {
  h = await startHarness({
    workshops: [{ name: 'web', capacity: 4, reserved: 0 }],
    ingressesFor: { web: [{ name: 'site', port: 8000 }] },
  })
  token = await h.token()
})
afterAll(async () => h?.close())

/** Requests a session for `user`, activates it in a fresh browser and signs it in to the gateway. */
async function signedIn(user: string) {
  const r = await fetch(
    `${h.url}/workshops/environment/lab-w01/request/?index_url=https://hub.test/&user=${user}`,
    {
      headers: { authorization: `Bearer ${token}` },
    },
  )
  const { name, url } = (await r.json()) as { name: string; url: string }
  const browser = new CookieClient()
  let res = await browser.get(`${h.url}${url}`)
  // activation → portal page → dashboard → code flow (authorize → callback) → dashboard
  for (let i = 0; i < 8 && (res.status === 302 || res.status === 303); i++) {
    const next = new URL(res.headers.get('location')!, h.url).toString()
    res = await browser.get(next)
  }
  expect(res.status).toBe(200)
  await eventually('RUNNING', async () => (await h.lg.deps.store.getSession(name))?.state === 'RUNNING')
  return { name, browser, cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ') }
}

/** Opens a terminal and collects its output. */
function openTerminal(session: string, cookie: string, id = '1') {
  const ws = new WebSocket(`${h.url.replace('http', 'ws')}/sessions/${session}/terminal/${id}`, {
    headers: { cookie },
  })
  let out = ''
  const closed = new Promise<{ code: number; last: string }>((resolve) =>
    ws.on('close', (code) => resolve({ code, last: out })),
  )
  ws.on('message', (data, binary) => (out += binary ? (data as Buffer).toString('utf8') : `\n[ctl]${data}`))
  const opened = new Promise<void>((resolve, reject) => {
    ws.on('open', () => resolve())
    ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
    ws.on('error', reject)
  })
  return {
    ws,
    opened,
    closed,
    output: () => out,
    type: (text: string) => ws.send(JSON.stringify({ t: 'i', d: text })),
    waitFor: (text: string) => eventually(`terminal output ${text}`, async () => out.includes(text)),
  }
}

describe('session gateway', () => {
  it('keeps each learner to their own session: dashboard, terminal and config', async () => {
    const a = await signedIn('gw-a')
    const b = await signedIn('gw-b')
    // A's browser on B's dashboard: sent through the portal's sign-in, which refuses A; terminal: 403.
    const toSignIn = await a.browser.get(`${h.url}/sessions/${b.name}/`)
    expect(toSignIn.status).toBe(302)
    const refused = await a.browser.get(toSignIn.headers.get('location')!)
    expect(refused.status).toBe(303)
    expect(new URL(refused.headers.get('location')!).searchParams.get('error')).toBe('access_denied')
    expect((await a.browser.get(refused.headers.get('location')!)).status).toBe(403)
    await expect(openTerminal(b.name, a.cookie).opened).rejects.toThrow('HTTP 403')
    // A's session cookie replayed against B's path: not in (sent to sign in).
    const aSessionCookie = a.browser.cookies.get('labgate_session')!
    const replayed = await new CookieClient().get(`${h.url}/sessions/${b.name}/`, {
      cookie: `labgate_session=${aSessionCookie}`,
    })
    expect(replayed.status).toBe(302)
    expect(replayed.headers.get('location')).toMatch(/\/oauth2\/authorize\?/)
    // Config: only the session's own config password works.
    const cfg = async (session: string) =>
      (await (
        await fetch(`${h.url}/workshops/session/${session}/config/`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).json()) as { password: string }
    const aPassword = (await cfg(a.name)).password
    expect((await fetch(`${h.url}/sessions/${b.name}/config/environment?token=${aPassword}`)).status).toBe(
      403,
    )
    const env = await fetch(`${h.url}/sessions/${a.name}/config/environment?token=${aPassword}`)
    expect(env.status).toBe(200)
    expect(((await env.json()) as Record<string, string>).SESSION_NAME).toBe(a.name)
    const pub = await (
      await fetch(`${h.url}/sessions/${a.name}/workshop/config/id_rsa.pub?token=${aPassword}`)
    ).text()
    expect(pub).toMatch(/^ssh-rsa AAAA[0-9A-Za-z+/=]+ /)
    expect((await fetch(`${h.url}/sessions/${a.name}/config/kubeconfig?token=${aPassword}`)).status).toBe(404)
  })

  it('runs a shell in the sandbox, keeps it across reconnects, and proxies a web app in the sandbox', async () => {
    const a = await signedIn('gw-c')
    const t = openTerminal(a.name, a.cookie)
    await t.opened
    t.type('id -u; echo home=$HOME; export KEEP=7\r')
    await t.waitFor('home=/home/lab')
    expect(t.output()).toContain('1000')
    t.type(
      'mkdir -p site && echo hello-from-app > site/index.html && cd site && python3 -m http.server 8000 --bind 127.0.0.1 &\r',
    )
    t.ws.close()
    const again = openTerminal(a.name, a.cookie)
    await again.opened
    await again.waitFor('home=/home/lab') // the scrollback comes back
    again.type('echo keep=$KEEP\r')
    await again.waitFor('keep=7')
    const app = await eventually('the web app', async () => {
      const res = await a.browser.get(`${h.url}/sessions/${a.name}/apps/site/index.html`)
      return res.status === 200 ? res.text() : null
    })
    expect(app).toContain('hello-from-app')
    again.ws.close()
  })

  it('closes a stopped session’s terminal with a message, and refuses new ones', async () => {
    const a = await signedIn('gw-d')
    const t = openTerminal(a.name, a.cookie)
    await t.opened
    t.type('echo ready\r')
    await t.waitFor('ready')
    await fetch(`${h.url}/workshops/session/${a.name}/terminate/`, {
      headers: { authorization: `Bearer ${token}` },
    })
    const { last } = await t.closed
    expect(last).toContain('This session has ended.')
    await eventually('STOPPED', async () => (await h.lg.deps.store.getSession(a.name))?.state === 'STOPPED')
    await expect(openTerminal(a.name, a.cookie).opened).rejects.toThrow(/HTTP 40[34]/)
  })
})
