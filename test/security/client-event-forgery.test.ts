/**
 * Attack: a learner posts events through their session's event endpoint under the names labgate's own
 * audit events use (`Session/Terminate`, `Session/Started`), as fast as they can, to forge the audit log
 * and the analytics webhooks, trigger what listens for server events, and grow the events table forever.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CookieClient, eventually, startHarness, type Harness } from '../harness.js'

let h: Harness
let session: string
let post: (name: string) => Promise<{ status: number; body: string }>

beforeAll(async () => {
  h = await startHarness({ backend: 'fake', workshops: [{ name: 'w', capacity: 3, reserved: 0 }] })
  const token = await h.token()
  const r = await fetch(
    `${h.url}/workshops/environment/lab-w01/request/?index_url=https://hub.test/&user=eve`,
    {
      headers: { authorization: `Bearer ${token}` },
    },
  )
  expect(r.status).toBe(200)
  const requested = (await r.json()) as { name: string; url: string }
  session = requested.name
  // The learner's own browser: signed in by the activation URL.
  const browser = new CookieClient()
  let res = await browser.get(`${h.url}${requested.url}`)
  for (let i = 0; i < 8 && (res.status === 302 || res.status === 303); i++) {
    res = await browser.get(new URL(res.headers.get('location')!, h.url).toString())
  }
  expect(res.status).toBe(200)
  const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  post = async (name) => {
    const res = await fetch(`${h.url}/workshops/session/${session}/event/`, {
      method: 'POST',
      headers: { cookie, 'x-requested-with': 'XMLHttpRequest', 'content-type': 'application/json' },
      body: JSON.stringify({ event: { name, data: { p: 'x'.repeat(1000) } } }),
    })
    return { status: res.status, body: await res.text() }
  }
})
afterAll(async () => h?.close())

const names = async (name: string) => (await h.lg.deps.store.listEvents({ session, name })).map((e) => e.name)

describe('client events', () => {
  it('cannot pose as server events: those names are recorded under Client/', async () => {
    const started = (await names('Session/Started')).length
    expect((await post('Session/Terminate')).status).toBe(200)
    expect((await post('session/Started')).status).toBe(200)
    expect((await post('Workshop/Start')).status).toBe(200)
    expect(await names('Session/Terminate')).toEqual([])
    expect(await names('Session/Started')).toHaveLength(started)
    expect(await names('Client/Session/Terminate')).toEqual(['Client/Session/Terminate'])
    expect(await names('Client/session/Started')).toHaveLength(1)
    // A workshop's own names reach the audit log (and webhooks) as Educates' clients post them.
    expect(await names('Workshop/Start')).toEqual(['Workshop/Start'])
    // The forged terminate did not end anything.
    expect((await h.lg.deps.store.getSession(session))?.state).toBe('RUNNING')
  })

  it('are rate-limited per session: a flood is answered 429 and mostly not recorded', async () => {
    const statuses: number[] = []
    let refusal = ''
    for (let i = 0; i < 100; i++) {
      const r = await post('Page/Flood')
      statuses.push(r.status)
      if (r.status === 429) refusal = r.body
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(50)
    expect(refusal).toMatch(/too many events/i)
    expect((await names('Page/Flood')).length).toBeLessThan(50)
  })

  it('are purged once older than the retention (90 days by default)', async () => {
    const now = Date.now()
    const old = { session, data: {}, userId: null, environment: null, workshop: null }
    await h.lg.deps.store.appendEvent({ ...old, at: now - 91 * 86_400_000, name: 'Old/Event' })
    await h.lg.deps.store.appendEvent({ ...old, at: now - 89 * 86_400_000, name: 'Recent/Event' })
    await eventually('the purge of the old event', async () => (await names('Old/Event')).length === 0)
    expect(await names('Recent/Event')).toEqual(['Recent/Event'])
  })
})
