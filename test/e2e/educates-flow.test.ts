/**
 * The whole Educates REST API driven the way its clients drive it, against the real server with the
 * local (bubblewrap) backend.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CookieClient, eventually, rawRequest, startHarness, type Harness } from '../harness.js'

let h: Harness
let token: string
const auth = () => ({ authorization: `Bearer ${token}` })

beforeAll(async () => {
  h = await startHarness({
    maximum: 10,
    workshops: [
      { name: 'shell', capacity: 3, reserved: 1, expires: '10m', overtime: '5m', deadline: '30m' },
      {
        name: 'params',
        capacity: 2,
        reserved: 0,
        parameters: [
          { name: 'WORKSHOP_USERNAME', value: 'anon' },
          { name: 'KEY', generate: '[A-Z0-9]{8}' },
        ],
      },
    ],
  })
  token = await h.token()
})
afterAll(async () => h?.close())

const envOf = async (workshop: string) => {
  const res = await fetch(`${h.url}/workshops/catalog/environments/`, { headers: auth() })
  const body = (await res.json()) as { environments: { name: string; workshop: { name: string } }[] }
  return body.environments.find((e) => e.workshop.name === workshop)!.name
}

describe('Educates REST API end to end', () => {
  it('lists the catalog with and without the trailing slash', async () => {
    const noSlash = await fetch(`${h.url}/workshops/catalog/environments?sessions=true`, {
      headers: auth(),
      redirect: 'manual',
    })
    expect(noSlash.status).toBe(301)
    expect(noSlash.headers.get('location')).toBe('/workshops/catalog/environments/?sessions=true')
    const res = await fetch(`${h.url}/workshops/catalog/environments?sessions=true`, { headers: auth() })
    expect(res.status).toBe(200)
    type Env = { name: string }
    const body = (await res.json()) as { portal: { uid: string }; environments: Env[] }
    expect(body.portal).toMatchObject({ name: 'lab', sessions: { maximum: 10, allocated: 0 } })
    expect(typeof body.portal.uid).toBe('string')
    expect(body.environments.map((e) => e.name)).toEqual(['lab-w01', 'lab-w02'])
    expect(body.environments[0]).toMatchObject({
      state: 'RUNNING',
      workshop: { name: 'shell', title: 'Workshop shell' },
      duration: 600,
      capacity: 3,
      reserved: 1,
      allocated: 0,
      sessions: [],
    })
  })

  it('keeps a reserve WAITING', async () => {
    await eventually('a reserve', async () => {
      const res = await fetch(`${h.url}/workshops/environment/${await envOf('shell')}/status/`, {
        headers: auth(),
      })
      return ((await res.json()) as { available: number }).available === 1
    })
  })

  let session: string
  let url: string
  let user: string

  it('requests a session with a JSON body on GET and gets the Educates response', async () => {
    const env = await envOf('shell')
    const res = await rawRequest(
      `${h.url}/workshops/environment/${env}/request/?index_url=https://hub.test/&user=ext-user-1&email=a@b.test&first_name=Ada`,
      {
        headers: { ...auth(), 'content-type': 'application/json' },
        body: JSON.stringify({ parameters: [] }),
      },
    )
    expect(res.status).toBe(200)
    const body = JSON.parse(res.body)
    expect(body).toMatchObject({
      name: `${env}-s001`,
      session: `${env}-s001`,
      user: 'ext-user-1',
      workshop: 'shell',
      environment: env,
      namespace: `${env}-s001`,
    })
    expect(body.url).toMatch(
      new RegExp(
        `^/workshops/session/${env}-s001/activate/\\?token=[A-Za-z0-9_-]{32}&index_url=https%3A%2F%2Fhub.test%2F$`,
      ),
    )
    ;({ name: session, url, user } = body)
  })

  it('gives the same session back to the same user (idempotent), keeping the token', async () => {
    const env = await envOf('shell')
    const res = await fetch(
      `${h.url}/workshops/environment/${env}/request/?index_url=https://hub.test/&user=${user}`,
      { headers: auth() },
    )
    const body = (await res.json()) as { name: string; url: string }
    expect(body.name).toBe(session)
    expect(body.url).toBe(url)
  })

  it('reacquires the session by name', async () => {
    const env = await envOf('shell')
    const res = await fetch(
      `${h.url}/workshops/environment/${env}/request/?index_url=https://hub.test/&session=${session}`,
      { headers: auth() },
    )
    expect(res.status).toBe(200)
    expect(((await res.json()) as { user: string }).user).toBe(user)
    const none = await fetch(
      `${h.url}/workshops/environment/${env}/request/?index_url=https://hub.test/&session=${env}-s999`,
      { headers: auth() },
    )
    expect(none.status).toBe(503)
    expect(await none.json()).toEqual({ error: 'No session available' })
  })

  it('lists the user sessions', async () => {
    const res = await fetch(`${h.url}/workshops/user/${user}/sessions/`, { headers: auth() })
    const body = (await res.json()) as { user: string; sessions: { name: string }[] }
    expect(body.user).toBe(user)
    expect(body.sessions.map((s) => s.name)).toEqual([session])
    const unknown = await fetch(`${h.url}/workshops/user/nobody-at-all/sessions/`, { headers: auth() })
    expect(await unknown.json()).toEqual({ user: 'nobody-at-all', sessions: [] })
  })

  const browser = new CookieClient()

  it('activates the session in a cookie-keeping browser and shows its page to the owner only', async () => {
    // The activation signs the browser in to the portal and, in the same commit, to the dashboard (on the
    // portal's origin here), and sends it straight there.
    const res = await browser.get(`${h.url}${url}`)
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe(`/sessions/${session}/`)
    expect(browser.cookies.has('labgate_auth')).toBe(true)
    expect(res.headers.getSetCookie().join('\n')).toMatch(
      new RegExp(`labgate_session=[^;]+; Path=/sessions/${session}/; HttpOnly; SameSite=Lax`),
    )
    expect((await browser.get(`${h.url}/sessions/${session}/`)).status).toBe(200)
    // The portal's page signs the browser in to the dashboard at once too: the dashboard's own
    // authorization request, decided and redeemed in-process.
    browser.cookies.delete('labgate_session')
    const portalPage = await browser.get(`${h.url}/workshops/session/${session}/`)
    expect(portalPage.status).toBe(302)
    expect(portalPage.headers.get('location')).toBe(`/sessions/${session}/`)
    expect(portalPage.headers.getSetCookie().join('\n')).toMatch(
      new RegExp(`labgate_session=[^;]+; Path=/sessions/${session}/; HttpOnly; SameSite=Lax`),
    )
    expect((await browser.get(`${h.url}/sessions/${session}/`)).status).toBe(200)
    // A browser that comes to the dashboard without that cookie is signed in through the portal with the
    // OAuth code flow (PKCE), the dashboard as its own client, as Educates' dashboards do.
    browser.cookies.delete('labgate_session')
    const start = await browser.get(`${h.url}/sessions/${session}/`)
    expect(start.status).toBe(302)
    const authorize = new URL(start.headers.get('location')!)
    expect(authorize.origin + authorize.pathname).toBe(`${h.url}/oauth2/authorize`)
    const callback = `${h.url}/sessions/${session}/_labgate/oauth_callback`
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: `labgate-session.${session}`,
      redirect_uri: callback,
      code_challenge_method: 'S256',
    })
    expect(start.headers.get('set-cookie')).toMatch(
      new RegExp(`^labgate_signin=[^;]+; Path=/sessions/${session}/; HttpOnly; SameSite=Lax`),
    )
    const code = await browser.get(authorize.toString())
    expect(code.status).toBe(303)
    const back = new URL(code.headers.get('location')!)
    expect(back.origin + back.pathname).toBe(callback)
    expect(back.searchParams.get('state')).toBe(authorize.searchParams.get('state'))
    // someone else's browser cannot use the code: it lacks the state cookie (and the PKCE verifier)
    expect((await new CookieClient().get(back.toString())).status).toBe(400)
    const signedIn = await browser.get(back.toString())
    expect(signedIn.status).toBe(302)
    expect(signedIn.headers.get('location')).toBe(`/sessions/${session}/`)
    expect(signedIn.headers.getSetCookie().join('\n')).toMatch(
      new RegExp(`labgate_session=[^;]+; Path=/sessions/${session}/; HttpOnly; SameSite=Lax`),
    )
    expect((await browser.get(back.toString())).status).toBe(400) // the state is used up
    const page = await browser.get(`${h.url}/sessions/${session}/`)
    expect(page.status).toBe(200)
    const text = await page.text()
    expect(text).toContain(session)
    expect(text).toContain('RUNNING')
    // The activation link is single-use: a second browser cannot use it.
    const other = new CookieClient()
    expect((await other.get(`${h.url}${url}`)).status).toBe(400)
    expect((await other.get(`${h.url}/workshops/session/${session}/`)).status).toBe(403)
    // the session's URL sends a stranger to the portal's sign-in, never into the session
    const stranger = await other.get(`${h.url}/sessions/${session}/`)
    expect(stranger.status).toBe(302)
    const theirs = await other.get(stranger.headers.get('location')!)
    expect(theirs.status).toBe(303)
    expect(theirs.headers.get('location')).toMatch(/^\/login\/\?next=/)
    expect(other.cookies.has('labgate_session')).toBe(false)
    // The owner may revisit it.
    expect((await browser.get(`${h.url}${url}`)).status).toBe(302)
  })

  it('runs the session in a real sandbox', async () => {
    const s = await h.lg.deps.store.getSession(session)
    expect(s?.state).toBe('RUNNING')
    expect(s?.handle?.backend).toBe('local')
    expect(await h.lg.deps.backend.observe(s!.handle!)).toEqual({ state: 'running' })
  })

  it('reads the schedule as the robot and as the owner, and the config and authorize endpoints', async () => {
    const res = await fetch(`${h.url}/workshops/session/${session}/schedule/`, { headers: auth() })
    const body = (await res.json()) as Record<string, unknown>
    expect(body).toMatchObject({ status: 'RUNNING', expiring: false, extendable: false })
    expect(body.countdown).toBeGreaterThan(590)
    expect(body.started).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    const owner = await browser.get(`${h.url}/session/${session}/schedule/`)
    expect(owner.status).toBe(200)
    const config = (await (
      await fetch(`${h.url}/workshops/session/${session}/config/`, { headers: auth() })
    ).json()) as { url: string; password: string }
    expect(config.password).toMatch(/^[A-Za-z0-9_-]{32}$/)
    const who = await (await browser.get(`${h.url}/workshops/session/${session}/authorize/`)).json()
    expect(who).toEqual({ owner: user, user, staff: false })
  })

  it('refuses extension while far from expiry, and extends near it', async () => {
    const early = (await (
      await fetch(`${h.url}/workshops/session/${session}/extend/`, { headers: auth() })
    ).json()) as Record<string, unknown>
    expect(early.extended).toBe(false)
    // Move the session close to its expiry (the clock of the sandbox is real; the row is the truth).
    const s = (await h.lg.deps.store.getSession(session))!
    const now = Date.now()
    await h.lg.deps.store.updateSession(session, { startedAt: now - 590_000, expiresAt: now + 10_000 })
    expect(s.state).toBe('RUNNING')
    const late = (await (
      await fetch(`${h.url}/workshops/session/${session}/extend/`, { headers: auth() })
    ).json()) as { extended: boolean; expires: string }
    expect(late.extended).toBe(true)
    expect(Date.parse(late.expires) - (now + 10_000)).toBe(300_000)
    // A cookie caller without the CSRF header is refused; with it, allowed.
    expect((await browser.get(`${h.url}/workshops/session/${session}/extend/`)).status).toBe(403)
    expect(
      (await browser.get(`${h.url}/workshops/session/${session}/extend/`, { 'x-requested-with': 'test' }))
        .status,
    ).toBe(200)
  })

  it('accepts client events', async () => {
    const res = await fetch(`${h.url}/workshops/session/${session}/event/`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ event: { name: 'Workshop/Page', data: { page: 2 } } }),
    })
    expect(res.status).toBe(200)
    const events = await h.lg.deps.store.listEvents({ session, name: 'Workshop/Page' })
    expect(events[0]?.data).toEqual({ page: 2 })
  })

  it('passes request parameters to the session: declared only, defaults, generated', async () => {
    const env = await envOf('params')
    const res = await fetch(`${h.url}/workshops/environment/${env}/request/?index_url=https://hub.test/`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({
        parameters: [
          { name: 'WORKSHOP_USERNAME', value: 'grumpy' },
          { name: 'UNDECLARED', value: 'x' },
        ],
      }),
    })
    expect(res.status).toBe(200)
    const s = (await h.lg.deps.store.getSession(((await res.json()) as { name: string }).name))!
    expect(Object.keys(s.params)).toEqual(['WORKSHOP_USERNAME', 'KEY'])
    expect(s.params.WORKSHOP_USERNAME).toBe('grumpy')
    expect(s.params.KEY).toMatch(/^[A-Z0-9]{8}$/)
  })

  it('terminates the session; its page then sends the browser back to the index URL', async () => {
    const res = await fetch(`${h.url}/workshops/session/${session}/terminate/`, { headers: auth() })
    expect(res.status).toBe(200)
    const body = (await res.json()) as { started: string; expires: string }
    expect(body.started).toMatch(/Z$/)
    await eventually(
      'the session to stop',
      async () => (await h.lg.deps.store.getSession(session))?.state === 'STOPPED',
    )
    const page = await browser.get(`${h.url}/workshops/session/${session}/`)
    expect(page.status).toBe(302)
    expect(page.headers.get('location')).toBe('https://hub.test/?notification=session-deleted')
    expect((await fetch(`${h.url}/workshops/session/${session}/schedule/`, { headers: auth() })).status).toBe(
      404,
    )
    const names = (await h.lg.deps.store.listEvents({ session })).map((e) => e.name)
    expect(names).toEqual(
      expect.arrayContaining([
        'Session/Pending',
        'Session/Started',
        'Session/Extended',
        'Session/Stopping',
        'Session/Terminate',
        'Session/Deleted',
      ]),
    )
  })
})
