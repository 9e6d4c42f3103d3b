/**
 * The learners' portal over HTTP: the catalog starts and resumes workshops within capacity and caps,
 * "My labs" lists running and finished sessions, anonymous registration starts a workshop without an
 * account, and an event access code guards the pages but not the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, type Harness, type PortalSpec } from '../harness.js'
import { FormBrowser } from '../form-browser.js'

const PASSWORD = 'correct horse battery staple'

async function start(extra: Partial<PortalSpec>): Promise<Harness> {
  return startHarness({ backend: 'fake', workshops: [{ name: 'alpha', reserved: 0 }], ...extra })
}

/** Registers `username` through the one-step form; the browser is then signed in. */
async function register(h: Harness, username: string): Promise<FormBrowser> {
  const b = new FormBrowser(h.url)
  const r = await b.submit('/register/', { username, password: PASSWORD, confirm: PASSWORD, next: '/' })
  expect(r.status).toBe(303)
  return b
}

const sessionOf = (r: Response) =>
  /^\/workshops\/session\/([^/]+)\/$/.exec(r.headers.get('location') ?? '')?.[1]

describe('the catalog for registered learners', () => {
  let h: Harness
  beforeAll(async () => {
    h = await start({
      registered: 1,
      workshops: [
        { name: 'alpha', reserved: 0, expires: '30m' },
        { name: 'beta', reserved: 0, capacity: 1 },
      ],
    })
  })
  afterAll(async () => h?.close())

  it('asks visitors to sign in before it shows a private catalog', async () => {
    const page = await (await fetch(`${h.url}/`)).text()
    expect(page).toMatch(/Sign in<\/a>\s+to\s+see\s+the\s+workshops/)
    expect(page).not.toContain('Workshop alpha')
    const create = await fetch(`${h.url}/workshops/environment/lab-w01/create/`, { redirect: 'manual' })
    expect(create.status).toBe(302)
    expect(create.headers.get('location')).toBe(
      '/login/?next=%2Fworkshops%2Fenvironment%2Flab-w01%2Fcreate%2F',
    )
  })

  it('starts a workshop, activated at once, and offers Resume afterwards', async () => {
    const b = await register(h, 'ada')
    const catalog = await (await b.get('/')).text()
    expect(catalog).toContain('Workshop alpha')
    expect(catalog).toContain('About 30 minutes')
    expect(catalog).toContain('action="/workshops/environment/lab-w01/create/"')
    const started = await b.post('/workshops/environment/lab-w01/create/', {})
    expect(started.status).toBe(303)
    const name = sessionOf(started)!
    const s = (await h.lg.deps.store.getSession(name))!
    const ada = (await h.lg.deps.store.getUserByUsername('ada'))!
    expect(s.owner).toBe(ada.id)
    expect(s.activatedAt).not.toBeNull()
    expect(s.viaApi).toBe(false)
    expect(s.expiresAt! - s.activatedAt!).toBe(30 * 60_000)

    const again = await (await b.get('/')).text()
    expect(again).toContain(`href="/workshops/session/${name}/"`)
    expect(again).toMatch(/Resume/)
    expect(again).toMatch(/\d+ minutes? left/)
    // Starting again, by form or by link, is resuming.
    expect(sessionOf(await b.post('/workshops/environment/lab-w01/create/', {}))).toBe(name)
    const link = await b.get('/workshops/environment/lab-w01/create/')
    expect(link.status).toBe(302)
    expect(link.headers.get('location')).toBe(`/workshops/session/${name}/`)
    // The session's page sends its owner on to the dashboard.
    expect((await b.get(`/workshops/session/${name}/`)).status).toBe(302)
  })

  it('says which limit was reached when no session is free, and starts nothing', async () => {
    const bo = await register(h, 'bo')
    expect(sessionOf(await bo.post('/workshops/environment/lab-w02/create/', {}))).toBeTruthy()
    const cy = await register(h, 'cy')
    expect(await (await cy.get('/')).text()).toMatch(/Full[\s\S]*All 1 sessions are in use/)
    const before = (await h.lg.deps.store.listSessions({})).length
    const refused = await cy.post('/workshops/environment/lab-w02/create/', {})
    expect(refused.status).toBe(303)
    expect(refused.headers.get('location')).toBe('/?notification=session-unavailable&reason=capacity')
    expect(await (await cy.get(refused.headers.get('location')!)).text()).toContain(
      'Every session of that workshop is in use',
    )
    // bo holds one session, the most a registered user may (registered: 1)
    const capped = await bo.post('/workshops/environment/lab-w01/create/', {})
    expect(capped.headers.get('location')).toBe('/?notification=session-unavailable&reason=user-cap')
    expect((await h.lg.deps.store.listSessions({})).length).toBe(before)
  })

  it('refuses a form without its CSRF token and an unknown workshop, changing nothing', async () => {
    const dee = await register(h, 'dee')
    await dee.get('/')
    const before = (await h.lg.deps.store.listSessions({})).length
    expect((await dee.post('/workshops/environment/lab-w01/create/', {}, { csrf: null })).status).toBe(403)
    const unknown = await dee.post('/workshops/environment/nope-w99/create/', {})
    expect(unknown.headers.get('location')).toBe('/?notification=workshop-invalid')
    const odd = await dee.post('/workshops/environment/%3Cb%3E/create/', {})
    expect(odd.headers.get('location')).toBe('/?notification=workshop-invalid')
    expect((await h.lg.deps.store.listSessions({})).length).toBe(before)
  })

  it('lists running sessions with their time left in My labs, and finished ones once they end', async () => {
    const eve = await register(h, 'eve')
    const name = sessionOf(await eve.post('/workshops/environment/lab-w01/create/', {}))!
    const labs = await (await eve.get('/my/labs/')).text()
    expect(labs).toContain('Workshop alpha')
    expect(labs).toMatch(new RegExp(`${name} · \\d+ minutes? left`))
    expect(labs).toContain('None yet.')
    const token = await h.token()
    const ended = await fetch(`${h.url}/workshops/session/${name}/terminate/`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(ended.status).toBe(200)
    const after = await (await eve.get('/my/labs/')).text()
    expect(after).toContain('No workshop is running for you')
    expect(after).toMatch(/<td>Workshop alpha<\/td>\s*<td>Finish(ed|ing)<\/td>/)
    expect(after).toContain('ended by you or staff')
    // The catalog lists the workshop as finished, and offers it again.
    const catalog = await (await eve.get('/')).text()
    const alpha = catalog.slice(catalog.indexOf('Workshop alpha'), catalog.indexOf('Workshop beta'))
    expect(alpha).toMatch(/Finished<\/span>\s*<span class="muted">on \d{4}-\d\d-\d\d at \d\d:\d\d UTC/)
    expect(alpha).toContain('>Start</button>')
    expect((await fetch(`${h.url}/my/labs/`, { redirect: 'manual' })).status).toBe(302)
  })
})

describe('anonymous registration', () => {
  let h: Harness
  beforeAll(async () => {
    h = await start({ registration: { type: 'anonymous' } })
  })
  afterAll(async () => h?.close())

  it('starts a workshop for a visitor without an account, as a new anonymous user', async () => {
    const b = new FormBrowser(h.url)
    const page = await (await b.get('/')).text()
    expect(page).toContain('Workshop alpha')
    expect(page).toContain('>Start</button>')
    const started = await b.post('/workshops/environment/lab-w01/create/', {})
    expect(started.status).toBe(303)
    const s = (await h.lg.deps.store.getSession(sessionOf(started)!))!
    const user = (await h.lg.deps.store.getUser(s.owner!))!
    expect(user.kind).toBe('anonymous')
    expect(b.cookies.get('labgate_auth')).toBeTruthy()
    // The same browser resumes; another visitor is another user.
    expect(sessionOf(await b.post('/workshops/environment/lab-w01/create/', {}))).toBe(s.name)
    const other = new FormBrowser(h.url)
    await other.get('/')
    const second = (await h.lg.deps.store.getSession(
      sessionOf(await other.post('/workshops/environment/lab-w01/create/', {}))!,
    ))!
    expect(second.owner).not.toBe(s.owner)
  })
})

describe('an event access code', () => {
  let h: Harness
  beforeAll(async () => {
    h = await start({ accessCode: 'open-sesame', catalog: 'public' })
  })
  afterAll(async () => h?.close())

  it('guards the pages until the code is entered; the API needs none', async () => {
    const b = new FormBrowser(h.url)
    for (const path of [
      '/',
      '/login/',
      '/register/',
      '/my/labs/',
      '/workshops/environment/lab-w01/create/',
    ]) {
      const r = await b.get(path)
      expect(r.status, path).toBe(302)
      expect(r.headers.get('location')).toBe(`/access/?next=${encodeURIComponent(path)}`)
    }
    const form = await b.get('/access/?next=%2Fmy%2Flabs%2F')
    expect(form.status).toBe(200)
    expect(await form.text()).toContain('The code for this event')
    const wrong = await b.post('/access/', { code: 'open sesame', next: '/' })
    expect(wrong.status).toBe(403)
    expect(await wrong.text()).toContain('That access code is not right')
    expect((await b.post('/access/', { code: '', next: '/' })).status).toBe(400)
    expect((await b.post('/access/', { code: 'open-sesame', next: '/' }, { csrf: null })).status).toBe(403)
    expect((await b.get('/')).status).toBe(302)

    const right = await b.post('/access/', { code: 'open-sesame', next: 'https://evil.test/' })
    expect(right.status).toBe(303)
    expect(right.headers.get('location')).toBe('/')
    expect(b.cookies.get('labgate_access')).not.toContain('open-sesame')
    const page = await b.get('/')
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('Workshop alpha')

    const token = await h.token()
    const api = await fetch(`${h.url}/workshops/catalog/environments/`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(api.status).toBe(200)
  })

  it('stops guessing after ten wrong codes from one address', async () => {
    const b = new FormBrowser(h.url)
    await b.get('/access/')
    let last = 0
    for (let i = 0; i < 11; i++) last = (await b.post('/access/', { code: `guess-${i}`, next: '/' })).status
    expect(last).toBe(429)
    expect((await b.post('/access/', { code: 'open-sesame', next: '/' })).status).toBe(429)
  })
})
