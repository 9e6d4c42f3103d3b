/** Bad input gets its documented error and changes nothing. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, rawRequest, startHarness, type Harness } from '../harness.js'
import { sqlOf } from '../../src/store/kysely/testing.js'

let h: Harness
let token: string
const auth = () => ({ authorization: `Bearer ${token}` })
const req = (path: string, o: { method?: string; headers?: Record<string, string>; body?: string } = {}) =>
  rawRequest(`${h.url}${path}`, { ...o, headers: { ...auth(), ...o.headers } })

beforeAll(async () => {
  h = await startHarness({
    allowedOrigins: ['https://hub.test'],
    workshops: [{ name: 'shell', capacity: 5, reserved: 0 }],
  })
  token = await h.token()
})
afterAll(async () => h?.close())

/** Everything the store holds that a bad request could have changed. */
const snapshot = async () => {
  const s = h.lg.deps.store
  return JSON.stringify({
    sessions: (await s.listSessions()).map((x) => [x.name, x.state, x.owner, x.expiresAt]),
    users: await sqlOf(h.lg.db).selectFrom('users').select(['id', 'email']).orderBy('id').execute(),
  })
}

describe('bad input', () => {
  it('answers a missing, malformed or wrong token with a bare 403, before the method check', async () => {
    for (const headers of [
      {},
      { authorization: 'Bearer nope' },
      { authorization: 'Basic abc' },
      { authorization: 'Bearer' },
    ] as Record<string, string>[]) {
      const res = await rawRequest(`${h.url}/workshops/catalog/environments/`, { headers })
      expect(res.status).toBe(403)
      expect(res.body).toBe('')
    }
    const post = await rawRequest(`${h.url}/workshops/catalog/environments/`, { method: 'POST' })
    expect(post.status).toBe(403)
    expect((await req('/workshops/catalog/environments/', { method: 'DELETE' })).status).toBe(405)
  })

  it('refuses robot endpoints to a session owner', async () => {
    const r = JSON.parse(
      (await req('/workshops/environment/lab-w01/request/?index_url=https://hub.test/')).body,
    )
    const { CookieClient } = await import('../harness.js')
    const browser = new CookieClient()
    await browser.get(`${h.url}${r.url}`)
    const res = await browser.get(`${h.url}/workshops/catalog/environments/?sessions=true`)
    expect(res.status).toBe(200)
    expect(
      ((await res.json()) as { environments: { sessions?: unknown }[] }).environments[0]!.sessions,
    ).toBeUndefined()
    expect(
      (await browser.get(`${h.url}/workshops/environment/lab-w01/request/?index_url=https://hub.test/`))
        .status,
    ).toBe(403)
    await req(`/workshops/session/${r.name}/terminate/`)
  })

  it('rejects each bad request with its error and changes nothing', async () => {
    const robot = await sqlOf(h.lg.db)
      .selectFrom('users')
      .select('id')
      .where('kind', '=', 'robot')
      .executeTakeFirstOrThrow()
    const live = JSON.parse(
      (await req('/workshops/environment/lab-w01/request/?index_url=https://hub.test/&user=live-one')).body,
    ).name
    await eventually(
      'sandboxes to settle',
      async () => (await h.lg.deps.store.listSessions({ states: ['STARTING', 'STOPPING'] })).length === 0,
    )
    const before = await snapshot()
    const cases: [
      string,
      { method?: string; headers?: Record<string, string>; body?: string },
      number,
      RegExp | string,
    ][] = [
      [
        '/workshops/environment/nope-w01/request/?index_url=https://hub.test/',
        {},
        403,
        'Environment does not exist',
      ],
      [
        '/workshops/environment/..%2F..%2Fetc/request/?index_url=https://hub.test/',
        {},
        403,
        'Environment does not exist',
      ],
      ['/workshops/environment/lab-w01/request/', {}, 400, 'Missing index_url'],
      ['/workshops/environment/lab-w01/request/?index_url=javascript:alert(1)', {}, 400, /http\(s\)/],
      ['/workshops/environment/lab-w01/request/?index_url=data:text/html,x', {}, 400, /http\(s\)/],
      ['/workshops/environment/lab-w01/request/?index_url=https://evil.test/', {}, 400, /not allowed/],
      ['/workshops/environment/lab-w01/request/?index_url=//evil.test/', {}, 400, /http\(s\)/],
      [
        '/workshops/environment/lab-w01/request/?index_url=https://hub.test/&email=not-an-email',
        {},
        400,
        'Invalid email address',
      ],
      ['/workshops/environment/lab-w01/request/?index_url=https://hub.test/&timeout=1.5', {}, 400, /timeout/],
      ['/workshops/environment/lab-w01/request/?index_url=https://hub.test/&timeout=-1', {}, 400, /timeout/],
      ['/workshops/environment/lab-w01/request/?index_url=https://hub.test/&timeout=abc', {}, 400, /timeout/],
      [
        '/workshops/environment/lab-w01/request/?index_url=https://hub.test/',
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"parameters": [' },
        400,
        /JSON/,
      ],
      [
        '/workshops/environment/lab-w01/request/?index_url=https://hub.test/',
        { headers: { 'content-type': 'application/json' }, body: '{not json' },
        400,
        /JSON/,
      ],
      [
        '/workshops/environment/lab-w01/request/?index_url=https://hub.test/',
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"parameters": "x"}' },
        400,
        /parameters/,
      ],
      [
        '/workshops/environment/lab-w01/request/?index_url=https://hub.test/',
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[1,2]' },
        400,
        /object/,
      ],
      [
        `/workshops/environment/lab-w01/request/?index_url=https://hub.test/&user=${encodeURIComponent(robot.id)}`,
        {},
        400,
        /staff or robot/,
      ],
      [
        '/workshops/environment/lab-w01/request/?index_url=https://hub.test/',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ parameters: [{ name: 'A', value: 'x'.repeat(100_000) }] }),
        },
        413,
        /too large/,
      ],
      [
        '/workshops/environment/lab-w01/request/?index_url=https://hub.test/',
        { headers: { 'content-type': 'application/json' }, body: 'x'.repeat(100_000) },
        413,
        /too large/,
      ],
      ['/workshops/session/lab-w01-s999/schedule/', {}, 404, /does not exist/],
      ['/workshops/session/..%2F..%2Fetc%2Fpasswd/schedule/', {}, 404, /does not exist/],
      ['/workshops/session/LAB-W01-S001/terminate/', {}, 404, /does not exist/],
      ['/workshops/session/lab-w01-s999/activate/?token=abc', {}, 400, /Invalid session/],
      [`/workshops/session/${live}/activate/`, {}, 400, /Missing activation token/],
      [`/workshops/session/${live}/activate/?token=wrong`, {}, 400, /Invalid session/],
      [
        '/workshops/environment/lab-w01/status/?sessions=true',
        { headers: { authorization: 'Bearer x' } },
        403,
        '',
      ],
    ]
    for (const [path, o, status, message] of cases) {
      const res = await req(path, o)
      expect({ path, status: res.status }).toEqual({ path, status })
      if (typeof message === 'string') expect(res.body).toBe(message)
      else expect(res.body).toMatch(message)
    }
    expect(await snapshot()).toBe(before)
  })

  it('rejects event bodies that are not events', async () => {
    const r = JSON.parse(
      (await req('/workshops/environment/lab-w01/request/?index_url=https://hub.test/&user=eve')).body,
    )
    for (const body of [
      '{}',
      '{"event": "x"}',
      '{"event": {"name": 5}}',
      '{"event": {"name": "a", "data": [1]}}',
      'nope',
    ]) {
      const res = await req(`/workshops/session/${r.name}/event/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      })
      expect(res.status).toBe(400)
    }
    expect(await h.lg.deps.store.listEvents({ session: r.name, name: 'a' })).toEqual([])
  })

  it('keeps one user away from another user’s session', async () => {
    const a = JSON.parse(
      (await req('/workshops/environment/lab-w01/request/?index_url=https://hub.test/&user=owner-a')).body,
    )
    const { CookieClient } = await import('../harness.js')
    const b = new CookieClient()
    const rb = JSON.parse(
      (await req('/workshops/environment/lab-w01/request/?index_url=https://hub.test/&user=owner-b')).body,
    )
    await b.get(`${h.url}${rb.url}`)
    for (const op of ['schedule', 'extend', 'terminate', 'config', 'authorize']) {
      expect(
        (await b.get(`${h.url}/workshops/session/${a.name}/${op}/`, { 'x-requested-with': 'x' })).status,
      ).toBe(403)
    }
    expect((await b.get(`${h.url}/workshops/session/${a.name}/`)).status).toBe(404)
    expect((await h.lg.deps.store.getSession(a.name))!.state).not.toMatch(/STOP/)
  })

  it('does not crash on a flood of junk', async () => {
    const junk = [
      '/%',
      '/workshops/session/%00/schedule/',
      '/workshops/environment/%ff/request/',
      '/oauth2/token/',
      '/' + 'a'.repeat(5000),
    ]
    for (const p of junk) {
      const res = await req(p)
      expect(res.status).toBeGreaterThanOrEqual(300)
      expect(res.status).toBeLessThan(500)
    }
    const badCookie = await rawRequest(`${h.url}/workshops/catalog/environments/`, {
      headers: { cookie: 'labgate_auth=%E0%A4%A' },
    })
    expect(badCookie.status).toBe(403)
    expect((await rawRequest(`${h.url}/healthz`)).status).toBe(200)
  })
})
