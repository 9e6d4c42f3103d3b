/**
 * The admin API (`/admin/api/`): staff only (bearer token or the portal cookie with X-Requested-With on
 * changes), JSON answers and refusals, bad input refused with nothing changed, every action audited.
 * Runs on SQLite, and on PostgreSQL with LABGATE_TEST_DATABASE=postgres.
 */
import { ownerName } from '../../src/broker/admin/owner-names.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Harness } from '../harness.js'
import { AdminClient, learnerClient, requestSession, STAFF } from './admin-client.js'
import { auditRecords, clientToken, LMS_SECRETS, startAdminPortal, userIdOf } from './admin-fixture.js'

let h: Harness
let token: string
let staff: AdminClient
let learner: AdminClient

beforeAll(async () => {
  ;({ h, staff, learner } = await startAdminPortal())
  token = await h.passwordToken(STAFF.username, STAFF.password)
})
afterAll(async () => h?.close())

const auditOf = (kind: string) => auditRecords(h, kind)
const staffId = () => userIdOf(h, STAFF.username)

/**
 * Calls the API with the staff token (or `headers` instead), a body as `application/json` (or `type`);
 * answers status and parsed JSON.
 */
async function api(
  method: string,
  path: string,
  o: { body?: unknown; headers?: Record<string, string>; raw?: string; type?: string } = {},
) {
  const headers = o.headers ?? { authorization: `Bearer ${token}` }
  const res = await fetch(`${h.url}/admin/api/${path}`, {
    method,
    headers: {
      ...headers,
      ...(o.body !== undefined || o.raw !== undefined
        ? { 'content-type': o.type ?? 'application/json' }
        : {}),
    },
    ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
    ...(o.raw !== undefined ? { body: o.raw } : {}),
  })
  expect(res.headers.get('content-type')).toMatch(/^application\/json/)
  expect(res.headers.get('cache-control')).toBe('no-store')
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the assertions check the shapes
  return { status: res.status, json: (await res.json()) as any }
}
const cookieOf = (c: AdminClient) => [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ')

describe('who may call it', () => {
  it('answers 401 JSON without a credential or with a bad token', async () => {
    const none = await api('GET', 'environments', { headers: {} })
    expect(none.status).toBe(401)
    expect(none.json.error).toMatch(/access token/)
    expect((await api('GET', 'environments', { headers: { authorization: 'Bearer nope' } })).status).toBe(401)
  })

  it("answers 403 JSON to a learner's cookie and to a robot's token", async () => {
    const byCookie = await api('GET', 'environments', { headers: { cookie: cookieOf(learner) } })
    expect(byCookie.status).toBe(403)
    expect(byCookie.json.error).toMatch(/for staff/)
    // learners may not use the password grant; the robot's token is a bearer token of a non-staff user
    const robot = await h.token()
    const byToken = await api('GET', 'users', { headers: { authorization: `Bearer ${robot}` } })
    expect(byToken.status).toBe(403)
    expect(byToken.json.error).toMatch(/for staff/)
  })

  it('lets staff read with the cookie, but change only with X-Requested-With', async () => {
    const s = await requestSession(h, 'lab-w02', 'csrf-user')
    const cookie = cookieOf(staff)
    expect((await api('GET', 'environments', { headers: { cookie } })).status).toBe(200)
    const forged = await api('POST', `sessions/${s.name}/terminate`, { headers: { cookie } })
    expect(forged.status).toBe(403)
    expect(forged.json.error).toMatch(/X-Requested-With/)
    expect(['STARTING', 'RUNNING']).toContain((await h.lg.deps.store.getSession(s.name))!.state)
    const done = await api('POST', `sessions/${s.name}/terminate`, {
      headers: { cookie, 'x-requested-with': 'fetch' },
    })
    expect(done.status).toBe(200)
    expect(['STOPPING', 'STOPPED']).toContain((await h.lg.deps.store.getSession(s.name))!.state)
  })
})

describe('environments and sessions', () => {
  it('lists the environments with their counts', async () => {
    const r = await api('GET', 'environments')
    expect(r.status).toBe(200)
    const w = r.json.find((e: { name: string }) => e.name === 'lab-w01')
    expect(w).toMatchObject({ workshop: 'w', capacity: 5, reserved: 1 })
    expect(r.json.find((e: { name: string }) => e.name === 'lab-w02').available).toBeNull()
  })

  it('searches sessions by filters and refuses bad ones with a 400 that says what to fix', async () => {
    const a = await requestSession(h, 'lab-w01', 'filter-a')
    const b = await requestSession(h, 'lab-w02', 'filter-b')
    const mine = await api('GET', 'sessions?user=filter-a&state=all')
    expect(mine.status).toBe(200)
    expect(mine.json.sessions.map((s: { name: string }) => s.name)).toEqual([a.name])
    expect(mine.json).toMatchObject({ total: 1, page: 1, pages: 1 })
    const owner = (await h.lg.deps.store.getUser(mine.json.sessions[0].owner))!
    expect(mine.json.sessions[0].ownerName).toBe(ownerName(owner))
    const byEnv = await api('GET', 'sessions?environment=lab-w02&workshop=v')
    expect(byEnv.json.sessions.map((s: { name: string }) => s.name)).toContain(b.name)
    expect(byEnv.json.sessions.map((s: { name: string }) => s.name)).not.toContain(a.name)
    const bad = await api('GET', 'sessions?state=SLEEPING')
    expect(bad.status).toBe(400)
    expect(bad.json.error).toMatch(/state must be live, all or one of/)
    expect((await api('GET', 'sessions?page=0')).json.error).toBe('page must be a whole number from 1')
  })

  it('extends a session near its expiry, refuses one far from it, and audits both', async () => {
    const s = await requestSession(h, 'lab-w01', 'ext-user')
    expect((await new AdminClient(h.url).get(s.url)).status).toBe(302) // activation
    const early = await api('POST', `sessions/${s.name}/extend`)
    expect(early.status).toBe(400)
    expect(early.json.error).toMatch(/cannot be extended now/)
    const now = Date.now()
    await h.lg.deps.store.updateSession(s.name, { startedAt: now - 590_000, expiresAt: now + 10_000 })
    const ok = await api('POST', `sessions/${s.name}/extend`)
    expect(ok.status).toBe(200)
    expect(ok.json.message).toMatch(/extended/)
    expect((await h.lg.deps.store.getSession(s.name))!.expiresAt! - (now + 10_000)).toBe(300_000)
    const records = await auditOf('admin.session.extend')
    expect(records.map((r) => [r.outcome, r.userId])).toEqual([
      ['refused', await staffId()],
      ['ok', await staffId()],
    ])
  })

  it('terminates a session and audits it; an unknown one is a 404', async () => {
    const s = await requestSession(h, 'lab-w02', 'term-user')
    const r = await api('POST', `sessions/${s.name}/terminate`)
    expect(r.status).toBe(200)
    expect(r.json.message).toBe(`Session ${s.name} is being terminated.`)
    expect(['STOPPING', 'STOPPED']).toContain((await h.lg.deps.store.getSession(s.name))!.state)
    expect(await auditOf('admin.session.terminate')).toContainEqual(
      expect.objectContaining({ outcome: 'ok', data: { session: s.name, owner: 'term-user' } }),
    )
    const missing = await api('POST', 'sessions/lab-w02-nothing/terminate')
    expect(missing.status).toBe(404)
    expect(missing.json.error).toMatch(/no session lab-w02-nothing/)
  })
})

describe('users', () => {
  it('searches users', async () => {
    const r = await api('GET', 'users?q=ada')
    expect(r.status).toBe(200)
    expect(r.json).toEqual([
      expect.objectContaining({ username: 'ada', kind: 'registered', disabled: false }),
    ])
    expect((await api('GET', `users?q=${'x'.repeat(201)}`)).status).toBe(400)
  })

  it('makes a user staff and back, refusing bad bodies with nothing changed, audited', async () => {
    await learnerClient(h, 'grace')
    const grace = (await h.lg.deps.store.getUserByUsername('grace'))!
    for (const [body, message] of [
      [undefined, 'Send a JSON body such as {"value": true}'],
      [{}, 'The body needs value: true or false'],
      [{ value: 'on' }, 'value must be true or false'],
    ] as const) {
      const r = await api('POST', `users/${grace.id}/staff`, body === undefined ? {} : { body })
      expect(r.status).toBe(400)
      expect(r.json.error).toBe(message)
    }
    expect((await api('POST', `users/${grace.id}/staff`, { raw: '{not json' })).status).toBe(400)
    expect((await h.lg.deps.store.getUser(grace.id))!.kind).toBe('registered')
    expect(await auditOf('admin.user.staff')).toEqual([])

    const on = await api('POST', `users/${grace.id}/staff`, { body: { value: true } })
    expect(on.status).toBe(200)
    expect(on.json.message).toBe('grace is now staff.')
    expect((await h.lg.deps.store.getUser(grace.id))!.kind).toBe('staff')
    const self = await api('POST', `users/${await staffId()}/staff`, { body: { value: false } })
    expect(self.status).toBe(400)
    expect(self.json.error).toMatch(/your own staff flag/)
    expect((await api('POST', `users/${grace.id}/staff`, { body: { value: false } })).status).toBe(200)
    expect((await h.lg.deps.store.getUser(grace.id))!.kind).toBe('registered')
    expect((await auditOf('admin.user.staff')).map((r) => r.outcome)).toEqual(['ok', 'refused', 'ok'])
    expect((await api('POST', 'users/nobody/staff', { body: { value: true } })).status).toBe(404)
  })

  it('disables a user, which ends their sign-ins, and enables them again, audited', async () => {
    const lin = await learnerClient(h, 'lin')
    const user = (await h.lg.deps.store.getUserByUsername('lin'))!
    const off = await api('POST', `users/${user.id}/disable`, { body: { value: true } })
    expect(off.status).toBe(200)
    expect((await h.lg.deps.store.getUser(user.id))!.disabled).toBe(true)
    // the disabled learner's cookie no longer signs them in
    expect((await api('GET', 'environments', { headers: { cookie: cookieOf(lin) } })).status).toBe(401)
    const on = await api('POST', `users/${user.id}/disable`, { body: { value: false } })
    expect(on.json.message).toBe('lin is enabled again.')
    expect((await h.lg.deps.store.getUser(user.id))!.disabled).toBe(false)
    expect((await auditOf('admin.user.disable')).map((r) => [r.outcome, r.data.disabled])).toEqual([
      ['ok', true],
      ['ok', false],
    ])
  })
})

describe('audit', () => {
  it('pages through the trail under filters, and refuses bad filters', async () => {
    const all = await api('GET', 'audit?kind=admin.user.disable')
    expect(all.status).toBe(200)
    expect(all.json.records.length).toBeGreaterThanOrEqual(2)
    expect(all.json.records.every((r: { kind: string }) => r.kind === 'admin.user.disable')).toBe(true)
    const newest = all.json.records[0]
    const older = await api('GET', `audit?kind=admin.user.disable&before=${newest.id}`)
    expect(older.json.records.map((r: { id: number }) => r.id)).not.toContain(newest.id)
    expect(older.json.records.length).toBe(all.json.records.length - 1)
    const refused = await api('GET', 'audit?outcome=refused')
    expect(refused.json.records.every((r: { outcome: string }) => r.outcome === 'refused')).toBe(true)
    const bad = await api('GET', 'audit?outcome=maybe')
    expect(bad.status).toBe(400)
    expect(bad.json.error).toBe('outcome must be one of ok, refused, failed')
    expect((await api('GET', 'audit?before=x')).status).toBe(400)
  })
})

describe('audit CSV export', () => {
  const record = (lms: string, outcome: 'ok' | 'refused', i: number) =>
    h.lg.db.audit.append({
      at: Date.now(),
      lms,
      kind: 'lti11.launch',
      userId: `csv:${i}`,
      course: 'c-1',
      lab: null,
      outcome,
      reason: outcome === 'refused' ? 'bad signature, "quoted"' : null,
      data: { i },
    })
  const csv = (query: string, headers: Record<string, string> = { authorization: `Bearer ${token}` }) =>
    fetch(`${h.url}/admin/api/audit.csv${query}`, { headers })
  /** The CSV's records (id, lms, user, outcome), its header checked. */
  const rows = (text: string) => {
    const lines = text.split('\r\n')
    expect(lines.shift()).toBe('id,at,lms,kind,user,course,lab,outcome,reason,data')
    expect(lines.pop()).toBe('')
    return lines.map((line) => {
      // the cells up to `outcome` hold no comma here
      const [id, , lms, , user, , , outcome] = line.split(',')
      return { id: Number(id), lms, user, outcome }
    })
  }
  const users = (text: string) => rows(text).map((r) => r.user)

  it('exports the records the same filters match, newest first, as an attachment', async () => {
    for (let i = 0; i < 6; i++) await record('csv-lms', i % 3 === 0 ? 'refused' : 'ok', i)
    await record('other-lms', 'refused', 6)
    const res = await csv('?lms=csv-lms&outcome=refused')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="labgate-audit.csv"')
    expect(res.headers.get('cache-control')).toBe('no-store')
    const refused = rows(await res.text())
    expect(refused).toEqual([
      { id: expect.any(Number), lms: 'csv-lms', user: 'csv:3', outcome: 'refused' },
      { id: expect.any(Number), lms: 'csv-lms', user: 'csv:0', outcome: 'refused' },
    ])
    const page = await api('GET', 'audit?lms=csv-lms&outcome=refused')
    expect(refused.map((r) => r.id)).toEqual(page.json.records.map((r: { id: number }) => r.id))
    const all = rows(await (await csv('?lms=csv-lms')).text())
    expect(all.map((r) => r.user)).toEqual(['csv:5', 'csv:4', 'csv:3', 'csv:2', 'csv:1', 'csv:0'])
    const older = await (await csv(`?lms=csv-lms&before=${all[2]!.id}`)).text()
    expect(users(older)).toEqual(['csv:2', 'csv:1', 'csv:0'])
    expect(users(await (await csv('?lms=no-such-lms')).text())).toEqual([])
  })

  it('refuses bad filters, a learner and a caller without a credential, as JSON', async () => {
    for (const [res, status, error] of [
      [await csv('?outcome=maybe'), 400, 'outcome must be one of ok, refused, failed'],
      [await csv('', { cookie: cookieOf(learner) }), 403, 'The admin API is for staff'],
      [await csv('', { authorization: `Bearer ${await h.token()}` }), 403, 'The admin API is for staff'],
      [await csv('', {}), 401, 'access token'],
    ] as const) {
      expect(res.status).toBe(status)
      expect(res.headers.get('content-type')).toMatch(/^application\/json/)
      expect(((await res.json()) as { error: string }).error).toContain(error)
    }
  })
})

describe('LMS registrations', () => {
  it('lists the registrations with their identifiers and labs, never their secrets', async () => {
    const r = await api('GET', 'lms')
    expect(r.status).toBe(200)
    expect(r.json).toEqual([
      {
        name: 'moodle',
        lti13: null,
        lti11Key: 'moodle-key',
        basicHttpUser: 'moodle-g4l',
        labs: [
          { id: 'intro', target: 'w', courses: null },
          { id: 'course-only', target: 'v', courses: 1 },
        ],
      },
    ])
    expect(JSON.stringify(r.json)).not.toContain(LMS_SECRETS.lti11)
    expect(JSON.stringify(r.json)).not.toContain(LMS_SECRETS.basicHttp)
    expect((await api('GET', 'lms', { headers: { cookie: cookieOf(staff) } })).status).toBe(200)
  })

  it('refuses a learner and a robot', async () => {
    const byCookie = await api('GET', 'lms', { headers: { cookie: cookieOf(learner) } })
    expect(byCookie.status).toBe(403)
    expect(byCookie.json.error).toMatch(/for staff/)
    const robot = await api('GET', 'lms', { headers: { authorization: `Bearer ${await h.token()}` } })
    expect(robot.status).toBe(403)
  })
})

describe('content types', () => {
  const sendAsJson = 'Unsupported content type: send the body as application/json.'

  it('refuses a JSON body sent as another type with 415, changing nothing', async () => {
    await learnerClient(h, 'mary')
    const mary = await userIdOf(h, 'mary')
    const flag = JSON.stringify({ value: true })
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'text/plain; charset=utf-8']) {
      const r = await api('POST', `users/${mary}/staff`, { raw: flag, type })
      expect(r.status).toBe(415)
      expect(r.json.error).toBe(sendAsJson)
    }
    // a body without any content type is not taken for JSON either
    const untyped = await fetch(`${h.url}/admin/api/users/${mary}/disable`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: new TextEncoder().encode(flag),
    })
    expect(untyped.status).toBe(415)
    const form = await api('POST', 'clients', { raw: 'name=Forms&type=public', type: 'text/plain' })
    expect(form.status).toBe(415)
    const user = (await h.lg.deps.store.getUser(mary))!
    expect([user.kind, user.disabled]).toEqual(['registered', false])
    expect(await h.lg.db.auth.listClients('registered')).toEqual([])
    expect((await auditOf('admin.user.staff')).filter((r) => r.data.target === mary)).toEqual([])
  })

  it('takes application/json with parameters, and answers an empty body as before', async () => {
    const mary = await userIdOf(h, 'mary')
    const ok = await api('POST', `users/${mary}/disable`, {
      raw: JSON.stringify({ value: false }),
      type: 'application/json; charset=utf-8',
    })
    expect(ok.status).toBe(200)
    const empty = await api('POST', `users/${mary}/staff`)
    expect(empty.status).toBe(400)
    expect(empty.json.error).toBe('Send a JSON body such as {"value": true}')
  })
})

describe('OAuth clients', () => {
  const token = (id: string, secret: string) => clientToken(h, id, secret)
  const client = {
    name: 'Reports',
    type: 'confidential',
    scopes: ['reports'],
    grantTypes: ['client_credentials'],
  }

  it('registers, lists, rotates and disables a client, refusing bad input, audited', async () => {
    for (const [body, message] of [
      [{ ...client, name: '' }, 'Give the client a name'],
      [{ ...client, type: 'secret' }, 'type must be confidential or public'],
      [{ ...client, grantTypes: 'client_credentials' }, 'grantTypes must list at least one grant type'],
      [{ ...client, type: 'public' }, 'a public client cannot use client_credentials'],
    ] as const) {
      const r = await api('POST', 'clients', { body })
      expect(r.status).toBe(400)
      expect(r.json.error).toContain(message)
    }
    expect(await h.lg.db.auth.listClients('registered')).toEqual([])

    const made = await api('POST', 'clients', { body: client })
    expect(made.status).toBe(200)
    const { clientId: id, clientSecret: secret } = made.json as { clientId: string; clientSecret: string }
    expect((await token(id, secret)).status).toBe(200)
    const list = await api('GET', 'clients')
    expect(list.json).toEqual([
      expect.objectContaining({ clientId: id, name: 'Reports', confidential: true, disabled: false }),
    ])
    expect(JSON.stringify(list.json)).not.toContain(secret)

    const rotated = await api('POST', `clients/${id}/rotate`)
    expect(rotated.status).toBe(200)
    expect(rotated.json.clientSecret).not.toBe(secret)
    expect((await token(id, secret)).status).toBe(401)
    expect((await token(id, rotated.json.clientSecret)).status).toBe(200)

    expect((await api('POST', `clients/${id}/disable`)).status).toBe(200)
    expect((await token(id, rotated.json.clientSecret)).status).toBe(401)
    expect((await api('GET', 'clients')).json[0].disabled).toBe(true)
    expect((await api('POST', 'clients/nope/disable')).status).toBe(404)
    const records = (await h.lg.db.audit.list()).filter((r) => r.kind.startsWith('admin.client'))
    expect(records.map((r) => r.kind)).toEqual([
      'admin.client.register',
      'admin.client.rotate',
      'admin.client.disable',
    ])
    expect(JSON.stringify(records)).not.toContain(rotated.json.clientSecret)
  })
})
