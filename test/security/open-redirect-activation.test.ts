/**
 * The activation URL of an ended session answered before checking its token, and sent the browser to the
 * query's `index_url`: with predictable session names and stopped rows kept for a day, anyone could make
 * a link on the portal's host that lands on a site of their choosing. The token is checked first, and an
 * ended session only ever goes back to the index URL stored with it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { eventually, startHarness, type Harness } from '../harness.js'

let h: Harness
let session: { name: string; url: string }

beforeAll(async () => {
  h = await startHarness({ backend: 'fake', workshops: [{ name: 'w', reserved: 0 }] })
  const auth = { authorization: `Bearer ${await h.token()}` }
  const res = await fetch(
    `${h.url}/workshops/environment/lab-w01/request/?index_url=https://hub.test/&user=learner`,
    { headers: auth },
  )
  session = (await res.json()) as { name: string; url: string }
  expect(
    (await fetch(`${h.url}/workshops/session/${session.name}/terminate/`, { headers: auth })).status,
  ).toBe(200)
  await eventually(
    'the session to end',
    async () => (await h.lg.deps.store.getSession(session.name))?.state === 'STOPPED',
  )
}, 60_000)

afterAll(async () => h?.close())

const activate = (query: string) =>
  fetch(`${h.url}/workshops/session/${session.name}/activate/?${query}`, { redirect: 'manual' })

it('never redirects an ended session with a wrong token to the index_url of the query', async () => {
  const res = await activate('token=x&index_url=https://evil.example/')
  expect(res.headers.get('location')).toBeNull()
  expect(res.status).toBe(400)
})

it('sends the genuine link of an ended session to its stored index URL, not the query one', async () => {
  const token = new URL(session.url, h.url).searchParams.get('token')!
  const res = await activate(`token=${encodeURIComponent(token)}&index_url=https://evil.example/`)
  expect(res.status).toBe(302)
  expect(res.headers.get('location')).toBe('https://hub.test/?notification=session-deleted')
})
