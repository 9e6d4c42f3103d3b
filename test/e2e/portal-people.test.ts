/** The portal's people pages: sign-in, registration, sign-out, CSRF, rate limiting, the generated admin. */
import { storeContents } from '../store-contents.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, type Harness, type PortalSpec } from '../harness.js'
import { sqlOf } from '../../src/store/kysely/testing.js'
import { InjectBrowser } from '../security/inject-browser.js'
import { FormBrowser as Browser } from '../form-browser.js'

const CATALOG = '/workshops/catalog/environments/'
const GOOD = 'correct horse battery staple'

async function start(extra: Partial<PortalSpec> = {}): Promise<Harness> {
  return startHarness({ backend: 'fake', workshops: [{ name: 'w', reserved: 0 }], ...extra })
}

describe('one-step registration and sign-in', () => {
  let h: Harness
  beforeAll(async () => {
    h = await start()
  })
  afterAll(async () => h?.close())

  it('registers a user with a hashed password and signs it in', async () => {
    const b = new Browser(h.url)
    const form = await b.get('/register/')
    expect(form.status).toBe(200)
    const csrfCookie = form.headers.getSetCookie().find((c) => c.startsWith('labgate_csrf='))!
    expect(csrfCookie).toMatch(/HttpOnly/)
    expect(csrfCookie).toMatch(/SameSite=Strict/)
    const html = await form.text()
    expect(html).toContain(`name="csrf" value="${b.cookies.get('labgate_csrf')}"`)
    expect(await b.api(CATALOG)).toBe(403)

    const res = await b.post('/register/', {
      username: 'alice',
      email: 'alice@example.test',
      password: GOOD,
      confirm: GOOD,
    })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/')
    const auth = res.headers.getSetCookie().find((c) => c.startsWith('labgate_auth='))!
    expect(auth).toMatch(/HttpOnly/)
    expect(auth).toMatch(/SameSite=Lax/)
    expect(auth).not.toMatch(/Secure/)
    expect(await b.api(CATALOG)).toBe(200)

    const row = await sqlOf(h.lg.db)
      .selectFrom('users')
      .selectAll()
      .where('username', '=', 'alice')
      .executeTakeFirstOrThrow()
    expect(row.kind).toBe('registered')
    expect(row.email).toBe('alice@example.test')
    expect(row.password_hash).toMatch(/^scrypt\$/)
  })

  it('rejects taken usernames (409) and weak or unconfirmed passwords, bad emails (400)', async () => {
    const b = new Browser(h.url)
    const reg = (f: Record<string, string>) => b.submit('/register/', f)
    const taken = await reg({ username: 'alice', password: GOOD, confirm: GOOD })
    expect(taken.status).toBe(409)
    expect(await taken.text()).toContain('That username is taken')
    expect((await reg({ username: 'ALICE', password: GOOD, confirm: GOOD })).status).toBe(409)
    const weak = await reg({ username: 'bob', password: 'short-pw', confirm: 'short-pw' })
    expect(weak.status).toBe(400)
    expect(await weak.text()).toContain('at least 12 characters')
    expect((await reg({ username: 'bob', password: GOOD, confirm: GOOD + 'x' })).status).toBe(400)
    expect(
      (await reg({ username: 'bob', email: 'not-an-email', password: GOOD, confirm: GOOD })).status,
    ).toBe(400)
    expect((await reg({ username: 'admin', password: GOOD, confirm: GOOD })).status).toBe(400)
    expect((await reg({ username: '<script>', password: GOOD, confirm: GOOD })).status).toBe(400)
    expect(await h.lg.deps.store.getUserByUsername('bob')).toBeNull()
  })

  it('signs in by username or email; wrong credentials get one generic 401', async () => {
    const byName = new Browser(h.url)
    const ok = await byName.submit('/login/', { username: 'alice', password: GOOD })
    expect(ok.status).toBe(303)
    expect(await byName.api(CATALOG)).toBe(200)
    const byEmail = new Browser(h.url)
    expect((await byEmail.submit('/login/', { username: 'ALICE@example.test', password: GOOD })).status).toBe(
      303,
    )
    expect(await byEmail.api(CATALOG)).toBe(200)

    const wrong = await new Browser(h.url).submit('/login/', { username: 'alice', password: GOOD + '!' })
    const unknown = await new Browser(h.url).submit('/login/', { username: 'nobody', password: GOOD })
    expect(wrong.status).toBe(401)
    expect(unknown.status).toBe(401)
    const message = (t: string) => /<p class="message" role="alert">([^<]*)<\/p>/.exec(t)?.[1]
    expect(message(await wrong.text())).toBe('Wrong username or password.')
    expect(message(await unknown.text())).toBe('Wrong username or password.')
    expect(wrong.headers.getSetCookie().some((c) => c.startsWith('labgate_auth='))).toBe(false)
    // The robot is an API user: no portal sign-in even with its right password.
    const robot = await new Browser(h.url).submit('/login/', {
      username: h.lg.robot.username,
      password: h.lg.robot.password!,
    })
    expect(robot.status).toBe(401)
  })

  it('redirects to next only when it is a path on this portal', async () => {
    const cases: [string, string][] = [
      ['/workshops/catalog/environments/?x=1', '/workshops/catalog/environments/?x=1'],
      ['//evil.test/', '/'],
      ['https://evil.test/', '/'],
      ['/\\evil.test', '/'],
      ['javascript:alert(1)', '/'],
    ]
    for (const [next, location] of cases) {
      const b = new Browser(h.url)
      const page = await b.get(`/login/?next=${encodeURIComponent(next)}`)
      const hidden = /name="next" value="([^"]*)"/.exec(await page.text())![1]
      expect(hidden).toBe(location.replace(/&/g, '&amp;'))
      const res = await b.post('/login/', { username: 'alice', password: GOOD, next })
      expect(res.status).toBe(303)
      expect(res.headers.get('location')).toBe(location)
    }
  })

  it('answers odd requests calmly: no slash, repeated next, not a form', async () => {
    const bare = await fetch(`${h.url}/login?next=/x`, { redirect: 'manual' })
    expect(bare.status).toBe(301)
    expect(bare.headers.get('location')).toBe('/login/?next=/x')
    const twice = await fetch(`${h.url}/login/?next=/a&next=//evil.test`)
    expect(twice.status).toBe(200)
    expect(await twice.text()).toContain('name="next" value="/"')
    const json = await fetch(`${h.url}/login/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: GOOD }),
    })
    expect(json.status).toBe(415)
  })

  it('refuses every form without a matching CSRF token (403)', async () => {
    const b = new Browser(h.url)
    await b.get('/login/')
    const login = { username: 'alice', password: GOOD }
    expect((await b.post('/login/', login, { csrf: null })).status).toBe(403)
    expect((await b.post('/login/', login, { csrf: 'A'.repeat(43) })).status).toBe(403)
    const noCookie = new Browser(h.url)
    expect((await noCookie.post('/login/', login, { csrf: b.cookies.get('labgate_csrf')! })).status).toBe(403)
    const reg = { username: 'carol', password: GOOD, confirm: GOOD }
    expect((await b.post('/register/', reg, { csrf: null })).status).toBe(403)
    expect((await b.post('/register/', reg, { csrf: 'x' })).status).toBe(403)
    expect(await h.lg.deps.store.getUserByUsername('carol')).toBeNull()

    const res = await fetch(`${h.url}/login/`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: `labgate_csrf=${b.cookies.get('labgate_csrf')}`,
        'sec-fetch-site': 'cross-site',
      },
      body: new URLSearchParams({ ...login, csrf: b.cookies.get('labgate_csrf')! }),
    })
    expect(res.status).toBe(403)
    expect((await b.post('/login/', login)).status).toBe(303) // the same browser's own form works
  })

  it('signs out: the token is revoked, so the old cookie no longer works', async () => {
    const b = new Browser(h.url)
    await b.submit('/login/', { username: 'alice', password: GOOD })
    const old = b.cookies.get('labgate_auth')!
    expect(await b.api(CATALOG)).toBe(200)
    expect((await b.post('/logout/', {}, { csrf: null })).status).toBe(403)
    expect(await b.api(CATALOG)).toBe(200)

    const page = await b.get('/logout/')
    expect(await page.text()).toContain('signed in as <strong>alice</strong>')
    const res = await b.post('/logout/', {})
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/')
    expect(b.cookies.has('labgate_auth')).toBe(false)
    const status = (await fetch(`${h.url}${CATALOG}`, { headers: { cookie: `labgate_auth=${old}` } })).status
    expect(status).toBe(403)
  })

  it('creates an admin on first start, shown once, stored only as a hash', async () => {
    const admin = h.lg.generatedAdmin!
    expect(admin.username).toBe('admin')
    expect(admin.password.length).toBeGreaterThanOrEqual(20)
    const row = await sqlOf(h.lg.db)
      .selectFrom('users')
      .selectAll()
      .where('username', '=', 'admin')
      .executeTakeFirstOrThrow()
    expect(row.kind).toBe('staff')
    expect(row.password_hash).toMatch(/^scrypt\$/)
    const settings = await sqlOf(h.lg.db).selectFrom('settings').select('value').execute()
    expect(settings.some((s) => s.value.includes(admin.password))).toBe(false)

    const b = new Browser(h.url)
    expect((await b.submit('/login/', admin)).status).toBe(303)
    expect(await b.api(`${CATALOG}?state=STOPPED`)).toBe(200)
    const page = await b.get('/login/')
    expect(await page.text()).toContain('signed in as <strong>admin</strong>')
    // Staff: may use the API like the admin from the configuration.
    expect(await h.passwordToken('admin', admin.password)).toBeTruthy()

    await h.restart()
    expect(h.lg.generatedAdmin).toBeNull()
    expect((await new Browser(h.url).submit('/login/', admin)).status).toBe(303)
    const stored = await storeContents(h)
    expect(stored.length).toBeGreaterThan(1000)
    expect(stored.includes(admin.password)).toBe(false)
  })
})

describe('anonymous registration and a configured admin', () => {
  let h: Harness
  beforeAll(async () => {
    h = await start({
      registration: { type: 'anonymous' },
      admin: { username: 'boss@lab', password: 'boss-password-123456' },
    })
  })
  afterAll(async () => h?.close())

  it('creates an anonymous user with one button and signs it in', async () => {
    const b = new Browser(h.url)
    const page = await b.get('/register/')
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('Continue as a guest')
    const res = await b.post('/register/', { next: '/workshops/catalog/workshops/' })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/workshops/catalog/workshops/')
    expect(await b.api(CATALOG)).toBe(200)
    const anonymous = await sqlOf(h.lg.db)
      .selectFrom('users')
      .selectAll()
      .where('kind', '=', 'anonymous')
      .execute()
    expect(anonymous).toHaveLength(1)
    expect(anonymous[0]!.password_hash).toBeNull()
  })

  it('generates no admin when one is configured; the configured one signs in', async () => {
    expect(h.lg.generatedAdmin).toBeNull()
    expect(await h.lg.deps.store.getUserByUsername('admin')).toBeNull()
    const b = new Browser(h.url)
    expect(
      (await b.submit('/login/', { username: 'boss@lab', password: 'boss-password-123456' })).status,
    ).toBe(303)
    expect(await b.api(`${CATALOG}?state=STOPPED`)).toBe(200)
  })
})

describe('closed registration and rate limiting', () => {
  let h: Harness
  beforeAll(async () => {
    h = await start({ registration: { type: 'one-step', enabled: false } })
  })
  afterAll(async () => h?.close())

  it('answers 404 "Registration is closed"', async () => {
    const b = new Browser(h.url)
    const page = await b.get('/register/')
    expect(page.status).toBe(404)
    expect(await page.text()).toContain('Registration is closed')
    await b.get('/login/')
    expect((await b.post('/register/', { username: 'dave', password: GOOD, confirm: GOOD })).status).toBe(404)
    expect(await h.lg.deps.store.getUserByUsername('dave')).toBeNull()
  })

  it('slows an address after 5 failures for an account (429 with Retry-After), not the account', async () => {
    const admin = h.lg.generatedAdmin!
    const b = new Browser(h.url)
    for (let i = 0; i < 5; i++)
      expect((await b.submit('/login/', { username: 'admin', password: `wrong-${i}` })).status).toBe(401)
    const blocked = await b.submit('/login/', admin)
    expect(blocked.status).toBe(429)
    const wait = Number(blocked.headers.get('retry-after'))
    expect(wait).toBeGreaterThan(0)
    expect(wait).toBeLessThanOrEqual(15 * 60)
    expect(await blocked.text()).toContain('Too many failed sign-ins')
    expect(b.cookies.has('labgate_auth')).toBe(false)
    // The same account from another address is not refused.
    const elsewhere = await new InjectBrowser(() => h.lg.app, '192.0.2.10').submit('/login/', admin)
    expect(elsewhere.status).toBe(303)
  })

  it('blocks an address after 20 failures across usernames', async () => {
    const b = new Browser(h.url)
    // 5 failures from the test before; 15 more with different names reach the address's limit.
    for (let i = 0; i < 15; i++)
      expect((await b.submit('/login/', { username: `user${i}`, password: 'wrong' })).status).toBe(401)
    const blocked = await b.submit('/login/', { username: 'someone-else', password: 'wrong' })
    expect(blocked.status).toBe(429)
    expect(blocked.headers.get('retry-after')).toBeTruthy()
  })
})

describe('one sign-in limiter for /login/ and the password grant', () => {
  let h: Harness
  beforeAll(async () => {
    h = await start()
  })
  afterAll(async () => h?.close())

  const grant = (username: string, password: string) =>
    fetch(`${h.url}/oauth2/token/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'password',
        username,
        password,
        client_id: h.lg.robot.clientId,
        client_secret: h.lg.robot.clientSecret!,
      }),
    })

  it('slows the account at this address once failures split across both endpoints', async () => {
    const admin = h.lg.generatedAdmin!
    const b = new Browser(h.url)
    for (let i = 0; i < 3; i++)
      expect((await b.submit('/login/', { username: admin.username, password: `wrong-${i}` })).status).toBe(
        401,
      )
    for (let i = 0; i < 2; i++) expect((await grant(admin.username, `wrong-grant-${i}`)).status).toBe(400)
    // Five failures in all: the right password is refused at both.
    const viaGrant = await grant(admin.username, admin.password)
    expect(viaGrant.status).toBe(429)
    expect(Number(viaGrant.headers.get('retry-after'))).toBeGreaterThan(0)
    const viaForm = await b.submit('/login/', admin)
    expect(viaForm.status).toBe(429)
    expect(await viaForm.text()).toContain('Too many failed sign-ins')
    expect(b.cookies.has('labgate_auth')).toBe(false)
  })
})
