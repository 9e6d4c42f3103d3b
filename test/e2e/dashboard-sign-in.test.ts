/**
 * A session's dashboard signs its learner in with the OAuth code flow against the portal, as its own
 * client: only the owner (and staff) get in, a shared URL lets no one else in, and signing out at the
 * portal ends the dashboard's sign-in. On the portal's own host, the portal's session page decides the
 * same request in-process and sets the dashboard's cookie at once. Real server, fake sandboxes (sign-in does not need a shell).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CookieClient, startHarness, type Harness } from '../harness.js'

let h: Harness
let env: string

beforeAll(async () => {
  h = await startHarness({ backend: 'fake', workshops: [{ name: 'w', capacity: 10, reserved: 0 }] })
  const res = await fetch(`${h.url}/workshops/catalog/environments/`, {
    headers: { authorization: `Bearer ${await h.token()}` },
  })
  env = ((await res.json()) as { environments: { name: string }[] }).environments[0]!.name
})
afterAll(async () => h?.close())

/** Requests a session for `user` and activates it in a new browser; returns both. */
async function learner(user: string) {
  const res = await fetch(
    `${h.url}/workshops/environment/${env}/request/?user=${user}&index_url=https://hub.test/`,
    {
      headers: { authorization: `Bearer ${await h.token()}` },
    },
  )
  expect(res.status).toBe(200)
  const { name, url } = (await res.json()) as { name: string; url: string }
  const browser = new CookieClient()
  expect((await browser.get(`${h.url}${url}`)).status).toBe(302)
  return { name, browser }
}

/** Signs `browser` out at the portal's `/logout/` form. */
async function signOut(browser: CookieClient) {
  const form = await browser.get(`${h.url}/logout/`)
  const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1]
  const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  const out = await fetch(`${h.url}/logout/`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams(csrf ? { csrf } : {}).toString(),
  })
  expect(out.status).toBe(303)
}

/** Signs `l` out at the portal, then asks for its dashboard with the session cookie it had before. */
async function dashboardAfterSignOut(l: { name: string; browser: CookieClient }): Promise<Response> {
  const dashboardCookie = l.browser.cookies.get('labgate_session')!
  await signOut(l.browser)
  return fetch(`${h.url}/sessions/${l.name}/`, {
    redirect: 'manual',
    headers: { cookie: `labgate_session=${dashboardCookie}` },
  })
}

/** Follows redirects on this origin (at most 8) and returns the last answer. */
async function follow(browser: CookieClient, url: string): Promise<Response> {
  let res = await browser.get(url)
  for (let i = 0; i < 8 && (res.status === 302 || res.status === 303); i++)
    res = await browser.get(new URL(res.headers.get('location')!, url).toString())
  return res
}

describe('dashboard sign-in (OAuth code flow)', () => {
  it('lets the owner in, and refuses another signed-in learner with "Not your session"', async () => {
    const ada = await learner('ada')
    const bob = await learner('bob')
    const own = await follow(ada.browser, `${h.url}/sessions/${ada.name}/`)
    expect(own.status).toBe(200)
    expect(await own.text()).toContain(ada.name)

    const foreign = await follow(bob.browser, `${h.url}/sessions/${ada.name}/`)
    expect(foreign.status).toBe(403)
    expect(await foreign.text()).toContain('Not your session')
    // bob got no cookie for ada's session, and his own still works
    expect((await follow(bob.browser, `${h.url}/sessions/${bob.name}/`)).status).toBe(200)
    const tokenOfBob = bob.browser.cookies.get('labgate_session')
    const asBob = await fetch(`${h.url}/sessions/${ada.name}/`, {
      redirect: 'manual',
      headers: { cookie: `labgate_session=${tokenOfBob}` },
    })
    expect(asBob.status).toBe(302) // not in: sent to sign in
  })

  it('refuses a forged state, and a callback replayed after it was used', async () => {
    const cy = await learner('cy')
    cy.browser.cookies.delete('labgate_session') // signed in at activation: take the code flow instead
    const start = await cy.browser.get(`${h.url}/sessions/${cy.name}/`)
    const authorize = start.headers.get('location')!
    const back = await cy.browser.get(authorize)
    const callback = new URL(back.headers.get('location')!)
    const forged = new URL(callback)
    forged.searchParams.set('state', 'x'.repeat(22))
    expect((await cy.browser.get(forged.toString())).status).toBe(400)
    expect((await cy.browser.get(callback.toString())).status).toBe(302)
    expect((await cy.browser.get(callback.toString())).status).toBe(400) // its state is used up
    expect((await cy.browser.get(`${h.url}/sessions/${cy.name}/`)).status).toBe(200)
  })

  it('the activation signs its owner in to the dashboard too, and signing out ends both', async () => {
    const res = await fetch(
      `${h.url}/workshops/environment/${env}/request/?user=ivy&index_url=https://hub.test/`,
      { headers: { authorization: `Bearer ${await h.token()}` } },
    )
    const { name, url } = (await res.json()) as { name: string; url: string }
    const ivy = { name, browser: new CookieClient() }
    const activated = await ivy.browser.get(`${h.url}${url}`)
    expect(activated.status).toBe(302)
    expect(activated.headers.get('location')).toBe(`/sessions/${name}/`)
    expect([...ivy.browser.cookies.keys()].sort()).toEqual(['labgate_auth', 'labgate_session'])
    expect((await ivy.browser.get(`${h.url}/sessions/${name}/`)).status).toBe(200)
    // The dashboard's cookie is for this session only: another session's dashboard does not take it.
    const other = await learner('ivy-2')
    const cookie = `labgate_session=${ivy.browser.cookies.get('labgate_session')}`
    const elsewhere = await fetch(`${h.url}/sessions/${other.name}/`, {
      redirect: 'manual',
      headers: { cookie },
    })
    expect(elsewhere.status).toBe(302)
    expect(elsewhere.headers.get('location')).toMatch(/\/oauth2\/authorize\?/)
    const after = await dashboardAfterSignOut(ivy)
    expect(after.status).toBe(302)
    expect(after.headers.get('location')).toMatch(/\/oauth2\/authorize\?/)
  })

  it('signing out at the portal ends the dashboard sign-in', async () => {
    const dee = await learner('dee')
    expect((await follow(dee.browser, `${h.url}/sessions/${dee.name}/`)).status).toBe(200)
    const after = await dashboardAfterSignOut(dee)
    expect(after.status).toBe(302)
    expect(after.headers.get('location')).toMatch(/\/oauth2\/authorize\?/)
  })

  it('a browser that came by another name for the portal host still ends on its dashboard', async () => {
    const res = await fetch(
      `${h.url}/workshops/environment/${env}/request/?user=eve&index_url=https://hub.test/`,
      { headers: { authorization: `Bearer ${await h.token()}` } },
    )
    const { name, url } = (await res.json()) as { name: string; url: string }
    // A browser keeps cookies per host: `localhost` and `127.0.0.1` share none.
    const jars = new Map<string, Map<string, string>>()
    const get = async (target: string) => {
      const host = new URL(target).host
      const jar = jars.get(host) ?? new Map<string, string>()
      jars.set(host, jar)
      const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ')
      const r = await fetch(target, { redirect: 'manual', headers: cookie ? { cookie } : {} })
      for (const c of r.headers.getSetCookie()) {
        const [pair] = c.split(';')
        const i = pair!.indexOf('=')
        jar.set(pair!.slice(0, i), pair!.slice(i + 1))
      }
      return r
    }
    const alias = h.url.replace('127.0.0.1', 'localhost')
    expect(alias).not.toBe(h.url)
    let at = `${alias}${url}`
    let r = await get(at)
    const first = new URL(r.headers.get('location')!, at)
    expect(first.host).toBe(new URL(h.url).host) // sent to the portal's own host, token unused
    for (let i = 0; i < 10 && (r.status === 302 || r.status === 303); i++) {
      at = new URL(r.headers.get('location')!, at).toString()
      r = await get(at)
    }
    expect(r.status).toBe(200)
    expect(new URL(at).pathname).toBe(`/sessions/${name}/`)
  })

  it("the portal's session page signs the owner in at once, and no one else", async () => {
    const fay = await learner('fay')
    fay.browser.cookies.delete('labgate_session') // signed in at activation: the page does it again
    const page = await fay.browser.get(`${h.url}/workshops/session/${fay.name}/`)
    expect(page.status).toBe(302)
    expect(page.headers.get('location')).toBe(`/sessions/${fay.name}/`)
    expect(fay.browser.cookies.has('labgate_session')).toBe(true)
    expect(fay.browser.cookies.has('labgate_signin')).toBe(false)
    const dashboard = await fay.browser.get(`${h.url}/sessions/${fay.name}/`)
    expect(dashboard.status).toBe(200)
    // The same sign-in as the code flow's: signing out at the portal ends it.
    const after = await dashboardAfterSignOut(fay)
    expect(after.status).toBe(302)
    expect(after.headers.get('location')).toMatch(/\/oauth2\/authorize\?/)

    // gus, signed in as himself, gets the 404 page for fay's session and no cookie for it.
    const gus = await learner('gus')
    const foreign = await gus.browser.get(`${h.url}/workshops/session/${fay.name}/`)
    expect(foreign.status).toBe(404)
    expect(foreign.headers.getSetCookie().some((c) => c.startsWith('labgate_session='))).toBe(false)
    // A visitor with no portal sign-in gets no dashboard cookie either.
    const visitor = await fetch(`${h.url}/workshops/session/${fay.name}/`, { redirect: 'manual' })
    expect(visitor.headers.getSetCookie().some((c) => c.startsWith('labgate_session='))).toBe(false)
  })

  it('by another name for the portal host, the page signs no one in: the code flow does', async () => {
    const hal = await learner('hal')
    const alias = h.url.replace('127.0.0.1', 'localhost')
    const cookie = [...hal.browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    const page = await fetch(`${alias}/workshops/session/${hal.name}/`, {
      redirect: 'manual',
      headers: { cookie },
    })
    expect(page.status).toBe(302)
    expect(page.headers.getSetCookie().some((c) => c.startsWith('labgate_session='))).toBe(false)
    expect(page.headers.get('location')).toBe(`${h.url}/sessions/${hal.name}/`)
  })
})
