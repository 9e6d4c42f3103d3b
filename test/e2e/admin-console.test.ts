/**
 * The admin console's shell, Environments and Sessions pages and their actions: staff only (a visitor is
 * sent to sign in, a learner gets 403), strict CSP, CSRF on every form, bad input refused with nothing
 * changed, every action audited. Runs on SQLite, and on PostgreSQL with LABGATE_TEST_DATABASE=postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, type Harness } from '../harness.js'
import { AdminClient, learnerClient, requestSession, STAFF } from './admin-client.js'
import { auditRecords, clientToken, LMS_SECRETS, startAdminPortal, userIdOf } from './admin-fixture.js'

let h: Harness
let staff: AdminClient
let learner: AdminClient

beforeAll(async () => ({ h, staff, learner } = await startAdminPortal()))
afterAll(async () => h?.close())

const auditOf = (kind: string) => auditRecords(h, kind)

describe('the shell', () => {
  it('sends a visitor to sign in, with the page to come back to', async () => {
    const res = await new AdminClient(h.url).get('/admin/sessions/?state=all')
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(
      `/login/?next=${encodeURIComponent('/admin/sessions/?state=all')}`,
    )
  })

  it('refuses a signed-in learner with a clear 403 page, and a staff bearer token', async () => {
    const res = await learner.get('/admin/environments/')
    expect(res.status).toBe(403)
    expect(await res.text()).toContain('The admin console is for staff')
    const token = await h.passwordToken(STAFF.username, STAFF.password)
    const bearer = await fetch(`${h.url}/admin/environments/`, {
      redirect: 'manual',
      headers: { authorization: `Bearer ${token}` },
    })
    expect(bearer.status).toBe(303)
    expect((await learner.get('/admin/events')).status).toBe(403)
  })

  it('serves staff the pages under a strict CSP, never cached, with the navigation', async () => {
    expect((await staff.get('/admin/')).headers.get('location')).toBe('/admin/environments/')
    const res = await staff.get('/admin/environments/')
    expect(res.status).toBe(200)
    const csp = res.headers.get('content-security-policy')!
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toContain('unsafe-inline')
    expect(res.headers.get('cache-control')).toBe('no-store')
    const body = await res.text()
    for (const label of ['Environments', 'Sessions', 'Users', 'Audit'])
      expect(body).toContain(`>${label}</a>`)
    // no workspaces on this portal: no Workspaces section
    expect(body).not.toContain('/admin/workspaces/')
    const off = await staff.get('/admin/workspaces/')
    expect(off.status).toBe(404)
    expect(await off.text()).toContain('This portal does not enable workspaces.')
    expect(body).not.toMatch(/<script(?![^>]*src=)/)
    expect(body).not.toMatch(/<style|style="/)
    const css = await staff.get('/admin/static/admin.css')
    expect(css.headers.get('content-type')).toContain('text/css')
    expect((await staff.get('/admin/static/nope.js')).status).toBe(404)
  })
})

describe('environments', () => {
  it('shows each environment with its capacity, reserve and live counts', async () => {
    await requestSession(h, 'lab-w01', 'envs-user')
    await eventually('the counts', async () => {
      const body = await (await staff.get('/admin/environments/')).text()
      const row = body.match(/<tr>\s*<td>lab-w01<\/td>[\s\S]*?<\/tr>/)?.[0] ?? ''
      const nums = [...row.matchAll(/class="num">([^<]+)</g)].map((m) => m[1])
      // capacity 5, reserved 1, 1 allocated, 1 waiting reserve, 3 available
      return JSON.stringify(nums) === JSON.stringify(['5', '1', '1', '1', '3']) ? row : null
    })
    const body = await (await staff.get('/admin/environments/')).text()
    expect(body).toMatch(/<td>lab-w02<\/td>[\s\S]*?unlimited/)
  })
})

describe('sessions', () => {
  it('lists sessions under filters and refuses bad filters with a 400 that says what to fix', async () => {
    const a = await requestSession(h, 'lab-w01', 'filter-a')
    const b = await requestSession(h, 'lab-w02', 'filter-b')
    const mine = await (await staff.get('/admin/sessions/?user=filter-a&state=all')).text()
    expect(mine).toContain(`data-session="${a.name}"`)
    expect(mine).not.toContain(`data-session="${b.name}"`)
    const byEnv = await (await staff.get('/admin/sessions/?environment=lab-w02')).text()
    expect(byEnv).toContain(`data-session="${b.name}"`)
    expect(byEnv).not.toContain(`data-session="${a.name}"`)
    const byWorkshop = await (await staff.get('/admin/sessions/?workshop=v&state=RUNNING')).text()
    expect(byWorkshop).toContain(`data-session="${b.name}"`)
    const stopped = await (await staff.get('/admin/sessions/?state=STOPPED')).text()
    expect(stopped).toContain('No session matches these filters.')
    const bad = await staff.get('/admin/sessions/?state=SLEEPING')
    expect(bad.status).toBe(400)
    expect(await bad.text()).toContain('state must be live, all or one of')
    expect((await staff.get('/admin/sessions/?page=0')).status).toBe(400)
  })

  it('terminates a session with CSRF, redirects back with a message, and audits it', async () => {
    const s = await requestSession(h, 'lab-w02', 'term-user')
    const page = await staff.get('/admin/sessions/')
    expect(page.status).toBe(200)
    const path = `/admin/sessions/${s.name}/terminate`
    const forged = await staff.post(path, { back: '/admin/sessions/' }, { csrf: null })
    expect(forged.status).toBe(403)
    expect(['STARTING', 'RUNNING']).toContain((await h.lg.deps.store.getSession(s.name))!.state)
    expect((await learner.post(path, { back: '/admin/sessions/' })).status).toBe(403)
    expect((await new AdminClient(h.url).post(path, {}, { csrf: 'x' })).status).toBe(303)
    expect(['STARTING', 'RUNNING']).toContain((await h.lg.deps.store.getSession(s.name))!.state)
    expect(await auditOf('admin.session.terminate')).toEqual([])

    const done = await staff.post(path, { back: '/admin/sessions/?state=all' })
    expect(done.status).toBe(303)
    expect(done.headers.get('location')).toBe('/admin/sessions/?state=all')
    expect(['STOPPING', 'STOPPED']).toContain((await h.lg.deps.store.getSession(s.name))!.state)
    const after = await (await staff.get('/admin/sessions/?state=all')).text()
    expect(after).toContain(`Session ${s.name} is being terminated.`)
    // the message shows once
    expect(await (await staff.get('/admin/sessions/?state=all')).text()).not.toContain('is being terminated')
    const staffId = await userIdOf(h, STAFF.username)
    expect(await auditOf('admin.session.terminate')).toMatchObject([
      { lms: null, userId: staffId, outcome: 'ok', data: { session: s.name, owner: 'term-user' } },
    ])

    const again = await staff.post(path, {})
    expect(again.status).toBe(400)
    expect(await again.text()).toContain('has ended already')
    expect((await auditOf('admin.session.terminate')).map((r) => r.outcome)).toEqual(['ok', 'refused'])
    const unknown = await staff.post('/admin/sessions/lab-w02-s999/terminate', {})
    expect(unknown.status).toBe(404)
    // a `back` outside the console is not followed
    const s2 = await requestSession(h, 'lab-w02', 'term-user-2')
    const off = await staff.post(`/admin/sessions/${s2.name}/terminate`, { back: 'https://evil.test/' })
    expect(off.headers.get('location')).toBe('/admin/')
  })

  it('extends a running session near its expiry and refuses one far from it, auditing both', async () => {
    const s = await requestSession(h, 'lab-w01', 'ext-user')
    const browser = new AdminClient(h.url)
    expect((await browser.get(s.url)).status).toBe(302) // activation
    const path = `/admin/sessions/${s.name}/extend`
    const early = await staff.post(path, {})
    expect(early.status).toBe(400)
    expect(await early.text()).toContain('cannot be extended now')
    const now = Date.now()
    await h.lg.deps.store.updateSession(s.name, { startedAt: now - 590_000, expiresAt: now + 10_000 })
    const ok = await staff.post(path, { back: '/admin/sessions/' })
    expect(ok.status).toBe(303)
    const row = (await h.lg.deps.store.getSession(s.name))!
    expect(row.expiresAt! - (now + 10_000)).toBe(300_000)
    expect((await auditOf('admin.session.extend')).map((r) => r.outcome)).toEqual(['refused', 'ok'])
  })

  it('links each live session to its dashboard, which staff may enter', async () => {
    const s = await requestSession(h, 'lab-w01', 'dash-user')
    const body = await (await staff.get(`/admin/sessions/?user=dash-user`)).text()
    expect(body).toContain(`href="/workshops/session/${s.name}/"`)
    const open = await staff.get(`/workshops/session/${s.name}/`)
    expect(open.status).toBe(302)
    // Signed in to the learner's dashboard at once, as staff.
    expect(open.headers.get('location')).toBe(`/sessions/${s.name}/`)
    expect((await staff.get(`/sessions/${s.name}/`)).status).toBe(200)
  })

  // How fast it renders is the bench's pages figure; here, that a deep page of many is right.
  it('pages through more than 1,000 sessions, 25 at a time', async () => {
    const store = h.lg.deps.store
    const base = (await store.getSession((await requestSession(h, 'lab-w02', 'bulk-0')).name))!
    for (let i = 0; i < 1000; i++) {
      const { name: _n, version: _v, handle: _h, ...rest } = base
      await store.createSession({ ...rest, owner: null, state: 'WAITING', createdAt: base.createdAt + i })
    }
    const res = await staff.get('/admin/sessions/?state=all&page=3')
    expect(res.status).toBe(200)
    const last = await res.text()
    expect(last).toMatch(/Page 3 of \d+ · \d{4} sessions/)
    expect(last.match(/data-session=/g)).toHaveLength(25)
  })
})

describe('users', () => {
  const idOf = (username: string) => userIdOf(h, username)
  const catalog = (token: string) =>
    fetch(`${h.url}/workshops/catalog/environments/`, { headers: { authorization: `Bearer ${token}` } })

  it('finds users and refuses forged, foreign and malformed changes with nothing changed', async () => {
    const found = await (await staff.get('/admin/users/?q=ad')).text()
    expect(found).toContain('>ada ')
    const ada = await idOf('ada')
    const path = `/admin/users/${encodeURIComponent(ada)}/staff`
    expect((await staff.post(path, { value: 'on' }, { csrf: null })).status).toBe(403)
    expect((await learner.post(path, { value: 'on' })).status).toBe(403)
    const bad = await staff.post(path, { value: 'yes' })
    expect(bad.status).toBe(400)
    expect(await bad.text()).toContain('value must be on or off')
    expect((await h.lg.deps.store.getUser(ada))!.kind).toBe('registered')
    expect((await staff.post('/admin/users/nobody/staff', { value: 'on' })).status).toBe(404)
    expect(await auditOf('admin.user.staff')).toEqual([])
  })

  it('sets and clears the staff flag, which opens and closes the console at once, audited', async () => {
    const ada = await idOf('ada')
    const path = `/admin/users/${encodeURIComponent(ada)}/staff`
    expect((await learner.get('/admin/environments/')).status).toBe(403)
    const made = await staff.post(path, { value: 'on', back: '/admin/users/?q=ada' })
    expect(made.status).toBe(303)
    expect(made.headers.get('location')).toBe('/admin/users/?q=ada')
    expect(await (await staff.get('/admin/users/?q=ada')).text()).toContain('ada is now staff.')
    expect((await learner.get('/admin/environments/')).status).toBe(200)
    expect((await staff.post(path, { value: 'off' })).status).toBe(303)
    expect((await learner.get('/admin/environments/')).status).toBe(403)
    const staffId = await idOf(STAFF.username)
    expect(await auditOf('admin.user.staff')).toMatchObject([
      { lms: null, userId: staffId, outcome: 'ok', data: { target: ada, staff: true } },
      { lms: null, userId: staffId, outcome: 'ok', data: { target: ada, staff: false } },
    ])
  })

  it('refuses staff removing their own staff flag or disabling themselves', async () => {
    const me = await idOf(STAFF.username)
    const demote = await staff.post(`/admin/users/${me}/staff`, { value: 'off' })
    expect(demote.status).toBe(400)
    expect(await demote.text()).toContain('You cannot remove your own staff flag')
    const disable = await staff.post(`/admin/users/${me}/disable`, { value: 'on' })
    expect(disable.status).toBe(400)
    expect(await disable.text()).toContain('You cannot disable your own account.')
    const user = (await h.lg.deps.store.getUser(me))!
    expect([user.kind, user.disabled]).toEqual(['staff', false])
    expect((await staff.get('/admin/environments/')).status).toBe(200)
  })

  it('disables a user: their cookie and tokens stop working and they cannot sign in again', async () => {
    const bob = await learnerClient(h, 'bob')
    const bobId = await idOf('bob')
    // staff may use the password grant: bob holds a bearer token too
    await staff.post(`/admin/users/${bobId}/staff`, { value: 'on' })
    const token = await h.passwordToken('bob', 'learner-password-1234')
    expect((await catalog(token)).status).toBe(200)
    expect((await bob.get('/admin/environments/')).status).toBe(200)

    const off = await staff.post(`/admin/users/${bobId}/disable`, {
      value: 'on',
      back: '/admin/users/?q=bob',
    })
    expect(off.status).toBe(303)
    expect(await (await staff.get('/admin/users/?q=bob')).text()).toMatch(
      /bob is disabled: their \d sign-ins? ended/,
    )
    expect((await catalog(token)).status).toBe(403)
    expect((await bob.get('/admin/environments/')).status).toBe(303)
    const again = new AdminClient(h.url)
    await again.get('/login/')
    expect((await again.post('/login/', { username: 'bob', password: 'learner-password-1234' })).status).toBe(
      401,
    )
    await expect(h.passwordToken('bob', 'learner-password-1234')).rejects.toThrow(/400/)

    expect((await staff.post(`/admin/users/${bobId}/disable`, { value: 'off' })).status).toBe(303)
    expect((await h.lg.deps.store.getUser(bobId))!.disabled).toBe(false)
    await new AdminClient(h.url).signIn('bob', 'learner-password-1234')
    expect(await auditOf('admin.user.disable')).toMatchObject([
      { outcome: 'refused', data: { disabled: true } },
      { outcome: 'ok', data: { target: bobId, disabled: true } },
      { outcome: 'ok', data: { target: bobId, disabled: false } },
    ])
  })
})

describe('audit', () => {
  it('lists the trail newest first under filters, paged, and refuses bad filters', async () => {
    const body = await (await staff.get('/admin/audit/?kind=admin.user.disable&outcome=ok')).text()
    const kinds = [...body.matchAll(/<td>(admin\.[a-z.]+)<\/td>/g)].map((m) => m[1])
    expect(kinds).toEqual(['admin.user.disable', 'admin.user.disable'])
    expect(body.indexOf('&quot;disabled&quot;:false')).toBeLessThan(body.indexOf('&quot;disabled&quot;:true'))
    for (let i = 0; i < 60; i++)
      await h.lg.db.audit.append({
        at: Date.now(),
        lms: 'pager',
        kind: 'lti13.launch',
        userId: `pager:${i}`,
        course: 'c-1',
        lab: null,
        outcome: 'ok',
        reason: null,
        data: {},
      })
    const first = await (await staff.get('/admin/audit/?lms=pager&course=c-1')).text()
    expect(first.match(/pager:\d+/g)).toHaveLength(50)
    expect(first).toContain('pager:59')
    const older = first.match(/href="([^"]+)" rel="next"/)![1]!.replace(/&amp;/g, '&')
    const second = await (await staff.get(older)).text()
    expect(second.match(/pager:\d+/g)).toHaveLength(10)
    expect(second).toContain('pager:0<')
    expect(second).not.toContain('rel="next"')
    const bad = await staff.get('/admin/audit/?kind=nope')
    expect(bad.status).toBe(400)
    expect(await bad.text()).toContain('kind must be one of')
    expect((await learner.get('/admin/audit/')).status).toBe(403)
    expect((await new AdminClient(h.url).get('/admin/audit.csv')).status).toBe(303)
  })

  it('exports the same filters as CSV, quoted, with formulas defused', async () => {
    await h.lg.db.audit.append({
      at: Date.UTC(2026, 5, 1),
      lms: 'evil',
      kind: 'lti11.launch',
      userId: '=HYPERLINK("http://evil.test","x")',
      course: '+1, "two"',
      lab: null,
      outcome: 'refused',
      reason: '@bad\nline',
      data: { a: 1 },
    })
    const res = await staff.get('/admin/audit.csv?lms=evil')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(res.headers.get('content-disposition')).toContain('attachment')
    const text = await res.text()
    expect(text).toBe(
      'id,at,lms,kind,user,course,lab,outcome,reason,data\r\n' +
        text.split('\r\n')[1]!.split(',')[0] +
        `,2026-06-01T00:00:00.000Z,evil,lti11.launch,"'=HYPERLINK(""http://evil.test"",""x"")","'+1, ""two""",,refused,"'@bad\nline","{""a"":1}"\r\n`,
    )
    const all = await (await staff.get('/admin/audit.csv?lms=pager')).text()
    expect(all.trimEnd().split('\r\n')).toHaveLength(61)
    expect((await staff.get('/admin/audit.csv?outcome=maybe')).status).toBe(400)
  })
})

describe('LMS registrations', () => {
  it('lists the registered LMSs with their identifiers and labs, never their secrets', async () => {
    const res = await staff.get('/admin/lms/')
    expect(res.status).toBe(200)
    const body = await res.text()
    expect(body).toContain('<td>moodle</td>')
    expect(body).toContain('key moodle-key')
    expect(body).toContain('intro → w')
    expect(body).toContain('user moodle-g4l')
    expect(body).toContain('course-only → v (1 course)')
    expect(body).not.toContain(LMS_SECRETS.lti11)
    expect(body).not.toContain(LMS_SECRETS.basicHttp)
    expect((await learner.get('/admin/lms/')).status).toBe(403)
  })
})

describe('OAuth clients', () => {
  const token = (id: string, secret: string) => clientToken(h, id, secret)
  const form = {
    name: 'Reports',
    type: 'confidential',
    redirect_uris: '',
    scopes: 'reports',
    grant_client_credentials: 'on',
  }

  it('registers a client whose secret is shown once, refusing bad input and forged forms', async () => {
    await staff.get('/admin/clients/')
    expect((await staff.post('/admin/clients/', form, { csrf: null })).status).toBe(403)
    expect((await learner.post('/admin/clients/', form)).status).toBe(403)
    const noName = await staff.post('/admin/clients/', { ...form, name: '' })
    expect(noName.status).toBe(400)
    expect(await noName.text()).toContain('Give the client a name')
    const badGrant = await staff.post('/admin/clients/', { ...form, type: 'public' })
    expect(badGrant.status).toBe(400)
    expect(await badGrant.text()).toContain('a public client cannot use client_credentials')
    expect(await h.lg.db.auth.listClients('registered')).toEqual([])

    const made = await staff.post('/admin/clients/', form)
    expect(made.status).toBe(200)
    expect(made.headers.get('cache-control')).toBe('no-store')
    const page = await made.text()
    const id = page.match(/Client id: <code>([^<]+)</)![1]!
    const secret = page.match(/<code data-secret>([^<]+)</)![1]!
    expect((await token(id, secret)).status).toBe(200)
    const list = await (await staff.get('/admin/clients/')).text()
    expect(list).toContain(id)
    expect(list).not.toContain(secret)
    const stored = await h.lg.db.auth.getClientWithSecret(id)
    expect(stored!.secretHash).toMatch(/^scrypt\$/)

    const rotated = await staff.post(`/admin/clients/${id}/rotate`, {})
    expect(rotated.status).toBe(200)
    const fresh = (await rotated.text()).match(/<code data-secret>([^<]+)</)![1]!
    expect(fresh).not.toBe(secret)
    expect((await token(id, secret)).status).toBe(401)
    expect((await token(id, fresh)).status).toBe(200)

    expect((await staff.post(`/admin/clients/${id}/disable`, {})).status).toBe(303)
    expect((await token(id, fresh)).status).toBe(401)
    expect((await staff.post(`/admin/clients/${id}/rotate`, {})).status).toBe(400)
    expect((await staff.post('/admin/clients/nope/disable', {})).status).toBe(404)
    const kinds = (await h.lg.db.audit.list()).map((r) => r.kind).filter((k) => k.startsWith('admin.client'))
    expect(kinds).toEqual(['admin.client.register', 'admin.client.rotate', 'admin.client.disable'])
    const audits = JSON.stringify(await h.lg.db.audit.list())
    expect(audits).not.toContain(secret)
    expect(audits).not.toContain(fresh)
  })
})
