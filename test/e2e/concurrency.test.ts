/** Allocation is atomic: 200 users at once against capacity 10. */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startHarness, type Harness } from '../harness.js'

let h: Harness
beforeAll(async () => {
  h = await startHarness({ workshops: [{ name: 'burst', capacity: 10, reserved: 2 }] })
})
afterAll(async () => h?.close())

it('gives exactly 10 sessions to 200 simultaneous users, 190 × 503, no 500, a consistent store', async () => {
  const token = await h.token()
  const results = await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      fetch(`${h.url}/workshops/environment/lab-w01/request/?index_url=https://hub.test/&user=burst-${i}`, {
        headers: { authorization: `Bearer ${token}` },
      }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as { name?: string; user?: string; error?: string },
      })),
    ),
  )
  const ok = results.filter((r) => r.status === 200)
  const busy = results.filter((r) => r.status === 503)
  expect(ok).toHaveLength(10)
  expect(busy).toHaveLength(190)
  expect(results.every((r) => r.status === 200 || r.status === 503)).toBe(true)
  expect(busy.every((r) => r.body.error === 'No session available')).toBe(true)
  // Ten different sessions for ten different users.
  expect(new Set(ok.map((r) => r.body.name)).size).toBe(10)
  expect(new Set(ok.map((r) => r.body.user)).size).toBe(10)
  const sessions = await h.lg.deps.store.listSessions({
    environment: 'lab-w01',
    states: ['STARTING', 'WAITING', 'RUNNING'],
  })
  expect(sessions).toHaveLength(10)
  expect(sessions.every((s) => s.owner !== null)).toBe(true)
  expect(new Set(sessions.map((s) => s.owner)).size).toBe(10)
  const owners = new Map(ok.map((r) => [r.body.name, r.body.user]))
  for (const s of sessions) expect(owners.get(s.name)).toBe(s.owner)
})
