/** Pending sessions time out; a restart keeps every session and re-adopts running sandboxes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CookieClient, eventually, startHarness, type Harness } from '../harness.js'

let h: Harness
let token: string
const auth = () => ({ authorization: `Bearer ${token}` })

beforeAll(async () => {
  h = await startHarness({ workshops: [{ name: 'shell', capacity: 5, reserved: 1, expires: '1h' }] })
  token = await h.token()
})
afterAll(async () => h?.close())

const request = async (query: string) => {
  const res = await fetch(
    `${h.url}/workshops/environment/lab-w01/request/?index_url=https://hub.test/&${query}`,
    { headers: auth() },
  )
  expect(res.status).toBe(200)
  return (await res.json()) as { name: string; url: string; user: string }
}

describe('session life', () => {
  it('stops a pending session that is never activated once its timeout passes', async () => {
    const r = await request('user=never-activates&timeout=1')
    const s = await h.lg.deps.store.getSession(r.name)
    expect(s?.owner).toBe('never-activates')
    await eventually(
      'the pending session to stop',
      async () => (await h.lg.deps.store.getSession(r.name))?.state === 'STOPPED',
      8000,
    )
    const stopped = (await h.lg.deps.store.getSession(r.name))!
    expect(stopped.stopReason).toBe('activation-timeout')
    expect(await h.lg.deps.backend.observe(stopped.handle!)).toMatchObject({ state: 'gone' })
    const list = await fetch(`${h.url}/workshops/user/never-activates/sessions/`, { headers: auth() })
    expect(((await list.json()) as { sessions: unknown[] }).sessions).toEqual([])
    // Its activation link no longer works: the browser is sent back with session-deleted.
    const res = await new CookieClient().get(`${h.url}${r.url}`)
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('https://hub.test/?notification=session-deleted')
  })

  it('keeps every session across a restart and re-adopts running sandboxes', async () => {
    const a = await request('user=restart-a')
    const browser = new CookieClient()
    expect((await browser.get(`${h.url}${a.url}`)).status).toBe(302)
    await eventually('a running sandbox', async () => (await h.lg.deps.store.getSession(a.name))?.handle)
    const before = (await h.lg.deps.store.getSession(a.name))!
    const reserveBefore = await eventually('a reserve', async () =>
      (await h.lg.deps.store.listSessions({ environment: 'lab-w01', states: ['WAITING'] })).find(
        (s) => !s.owner,
      ),
    )

    await h.restart()
    token = await h.token()

    const after = (await h.lg.deps.store.getSession(a.name))!
    expect(after.state).toBe('RUNNING')
    expect(after.handle).toEqual(before.handle)
    expect(after.expiresAt).toBe(before.expiresAt)
    expect(await h.lg.deps.backend.observe(after.handle!)).toEqual({ state: 'running' })
    const reserveAfter = (await h.lg.deps.store.getSession(reserveBefore.name))!
    expect(reserveAfter.state).toBe('WAITING')
    // The API still knows the session; the same environment (same definitions) is kept.
    const res = await fetch(`${h.url}/workshops/session/${a.name}/schedule/`, { headers: auth() })
    expect(res.status).toBe(200)
    const events = await h.lg.deps.store.listEvents({ name: 'Environment/Created' })
    expect(events).toHaveLength(1)
  })

  it('reaps a sandbox that died while labgate was down', async () => {
    const b = await request('user=restart-b')
    await eventually('b running', async () => (await h.lg.deps.store.getSession(b.name))?.handle)
    const s = (await h.lg.deps.store.getSession(b.name))!
    await h.lg.close()
    await h.lg.deps.backend.stop(s.handle!)
    await h.restart()
    token = await h.token()
    await eventually(
      'b to be reaped',
      async () => (await h.lg.deps.store.getSession(b.name))?.state === 'STOPPED',
    )
    expect((await h.lg.deps.store.getSession(b.name))!.stopReason).toBe('vanished')
  })

  it('never reuses a session name', async () => {
    const all = await h.lg.deps.store.listSessions({ environment: 'lab-w01' })
    const names = all.map((s) => s.name)
    expect(new Set(names).size).toBe(names.length)
    const numbers = names.map((n) => Number(n.slice(-3))).sort((x, y) => x - y)
    expect(numbers).toEqual([...numbers.keys()].map((i) => i + 1))
  })
})
