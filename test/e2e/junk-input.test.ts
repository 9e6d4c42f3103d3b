/** Seeded random junk against every endpoint: nothing answers 500, nothing crashes, the store stays sound. */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { rawRequest, startHarness, type Harness } from '../harness.js'

let h: Harness
let token: string
beforeAll(async () => {
  h = await startHarness({ backend: 'fake', workshops: [{ name: 'w', capacity: 50, reserved: 1 }] })
  token = await h.token()
})
afterAll(async () => h?.close())

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

it('survives 600 random requests without a 500', async () => {
  const r = rng(20261123)
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!
  const junk = () =>
    pick([
      '',
      'x',
      '..',
      '%2e%2e%2f',
      '%00',
      '%ZZ',
      'A'.repeat(400),
      'lab-w01',
      'lab-w01-s001',
      '💥',
      '<script>',
      "' or 1=1 --",
      '-1',
      '1e9',
    ])
  const paths = [
    () =>
      `/workshops/catalog/environments/?sessions=${junk()}&state=${junk()}&name=${junk()}&labels[${junk()}]=${junk()}`,
    () => `/workshops/catalog/workshops/`,
    () => `/workshops/environment/${junk()}/status/?sessions=${junk()}`,
    () =>
      `/workshops/environment/${pick(['lab-w01', junk()])}/request/?index_url=${pick(['https://hub.test/', junk()])}&user=${junk()}&email=${junk()}&timeout=${junk()}&session=${junk()}&analytics_url=${junk()}`,
    () =>
      `/workshops/session/${pick(['lab-w01-s001', junk()])}/${pick(['schedule', 'extend', 'terminate', 'config', 'authorize', 'event', 'activate', junk()])}/?token=${junk()}&index_url=${junk()}`,
    () => `/session/${junk()}/schedule/`,
    () => `/workshops/user/${junk()}/sessions/`,
    () => `/workshops/session/${junk()}/`,
    () => `/oauth2/token/`,
    () => `/oauth2/revoke-token/`,
    () => `/${junk()}`,
  ]
  const bodies = [
    '',
    '{',
    'null',
    '[]',
    '{"parameters":[{"name":1}]}',
    '{"event":{"name":"x","data":{}}}',
    'grant_type=password&username=x',
    '\u0000\u0001',
    '{"parameters":' + '['.repeat(5000) + ']'.repeat(5000) + '}',
  ]
  const statuses = new Map<number, number>()
  for (let i = 0; i < 600; i++) {
    const method = pick(['GET', 'GET', 'POST', 'PUT', 'DELETE'])
    const body = method === 'GET' && r() < 0.7 ? undefined : pick(bodies)
    const headers: Record<string, string> = {}
    if (r() < 0.8)
      headers.authorization = pick([`Bearer ${token}`, 'Bearer junk', 'Basic Og==', `Bearer ${token}x`])
    if (body !== undefined)
      headers['content-type'] = pick(['application/json', 'application/x-www-form-urlencoded', 'text/plain'])
    if (r() < 0.2) headers.cookie = pick(['labgate_auth=%', 'labgate_auth=', 'a=b; labgate_auth=x'])
    let path = pick(paths)()
    if (r() < 0.1) path = path.replace(/\/$/, '')
    const res = await rawRequest(`${h.url}${path}`, { method, headers, body })
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
    expect({ path, method, status: res.status }).not.toMatchObject({ status: 500 })
  }
  expect((await rawRequest(`${h.url}/healthz`)).status).toBe(200)
  const live = await h.lg.deps.store.listSessions({ states: ['STARTING', 'WAITING', 'RUNNING'] })
  expect(new Set(live.map((s) => s.name)).size).toBe(live.length)
  expect(live.filter((s) => s.owner !== null).every((s) => s.viaApi)).toBe(true)
  expect(statuses.size).toBeGreaterThan(3)
})
