/**
 * The admin console's live parts: the session stream (`/admin/events`) carries session changes to staff
 * and ends for good once its caller is no longer staff; the Sessions page names owners and marks each
 * action with the states it applies in, so the live module can show and hide it the moment a state
 * changes. Runs on SQLite, and on PostgreSQL with LABGATE_TEST_DATABASE=postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, type Harness } from '../harness.js'
import { AdminClient, learnerClient, requestSession, STAFF } from './admin-client.js'

let h: Harness
let staff: AdminClient

beforeAll(async () => {
  h = await startHarness({
    backend: 'fake',
    admin: STAFF,
    registration: { enabled: true },
    workshops: [{ name: 'w', capacity: 5, reserved: 0 }],
  })
  staff = await new AdminClient(h.url).signIn(STAFF.username, STAFF.password)
})
afterAll(async () => h?.close())

const env = async () => (await h.lg.deps.store.listEnvironments({}))[0]!.name

/** Reads an event stream as text until `until` returns true or the stream ends; returns what came. */
async function readStream(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  until: (text: string) => boolean,
  ms: number,
) {
  const decoder = new TextDecoder()
  let text = ''
  let ended = false
  const deadline = Date.now() + ms
  while (!until(text) && Date.now() < deadline) {
    const next = await Promise.race([
      reader.read(),
      new Promise<null>((r) => setTimeout(() => r(null), Math.max(1, deadline - Date.now()))),
    ])
    if (next === null) break
    if (next.done) {
      ended = true
      break
    }
    text += decoder.decode(next.value, { stream: true })
  }
  return { text, ended }
}

describe('the session stream', () => {
  it('carries session changes, and ends for good once the caller is demoted', async () => {
    const bea = await learnerClient(h, 'bea')
    const beaId = (await h.lg.deps.store.getUserByUsername('bea'))!.id
    const path = `/admin/users/${encodeURIComponent(beaId)}/staff`
    await staff.get('/admin/users/')
    expect((await staff.post(path, { value: 'on' })).status).toBe(303)

    const stream = await fetch(`${h.url}/admin/events`, {
      headers: { cookie: [...bea.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    })
    expect(stream.status).toBe(200)
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const reader = stream.body!.getReader()
    const s = await requestSession(h, await env(), 'streamed')
    const first = await readStream(reader, (t) => t.includes(`"session":"${s.name}"`), 10_000)
    expect(first.text).toContain('event: session')
    expect(first.ended).toBe(false)

    expect((await staff.post(path, { value: 'off' })).status).toBe(303)
    const rest = await readStream(reader, () => false, 15_000)
    expect(rest.text).toContain('event: end')
    expect(rest.ended).toBe(true)
    // Reconnecting gets no stream: the page is for staff.
    expect((await bea.get('/admin/events')).status).toBe(403)
  })

  it('stays open for staff past the caller checks', async () => {
    const stream = await fetch(`${h.url}/admin/events`, {
      headers: { cookie: [...staff.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    })
    const reader = stream.body!.getReader()
    const read = await readStream(reader, () => false, 7_000)
    expect(read.ended).toBe(false)
    expect(read.text).not.toContain('event: end')
    await reader.cancel()
  })
})

describe('the Sessions page', () => {
  it('names each owner, and marks each action with the states it applies in', async () => {
    await learnerClient(h, 'cyd')
    const cyd = (await h.lg.deps.store.getUserByUsername('cyd'))!.id
    const s = await requestSession(h, await env(), cyd)
    await expect.poll(async () => (await h.lg.deps.store.getSession(s.name))?.state).toBe('RUNNING')
    const page = await (await staff.get('/admin/sessions/?user=cyd')).text()
    const row = page.slice(page.indexOf(`<tr data-session="${s.name}"`))
    expect(row).toMatch(new RegExp(`title="${cyd}"\\s*>cyd</a`))
    expect(row).toMatch(/\/extend"\s+data-states="RUNNING"\s*>/)
    expect(row).toMatch(/\/terminate"\s+data-states="STARTING WAITING RUNNING"\s*>/)

    await staff.post(`/admin/sessions/${s.name}/terminate`, {})
    const after = await (await staff.get('/admin/sessions/?user=cyd&state=all')).text()
    const ended = after.slice(after.indexOf(`<tr data-session="${s.name}"`))
    expect(ended.slice(0, ended.indexOf('</tr>'))).not.toContain('<form')
  })
})
