/**
 * The instructor's course page (NRPS 2.0) over HTTP, with a fake platform (FakeLtiPlatform) playing the
 * LMS: an instructor's launch reads the roster (two pages, with a service token from the platform's token
 * endpoint), signs the instructor in and shows the members and each learner's session, which they may
 * extend and terminate. Another course's instructor, a learner and a form without its CSRF token may not;
 * a roster that cannot be read shows an error, and every roster read is audited.
 */
import { httpLaunch } from '../lms/lti13-http-launch.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FakeLtiPlatform } from '../lms/fake-lti-platform.js'
import { CookieClient, startHarness, type Harness } from '../harness.js'

let h: Harness
let platform: FakeLtiPlatform

const LTI = 'https://purl.imsglobal.org/spec/lti/claim/'
const MEMBERSHIP = 'http://purl.imsglobal.org/vocab/lis/v2/membership#'
const instructor = (course = 'c-101') => ({
  [`${LTI}roles`]: [`${MEMBERSHIP}Instructor`],
  [`${LTI}context`]: { id: course, label: course, title: `Course ${course}` },
  ...platform.nrpsClaim(),
})
const ROSTER = [
  {
    status: 'Active',
    user_id: 'teacher-1',
    name: 'Grace Hopper',
    email: 'grace@example.org',
    roles: [`${MEMBERSHIP}Instructor`],
  },
  {
    status: 'Active',
    user_id: 'student-1',
    name: 'Ada Lovelace',
    email: 'ada@example.org',
    roles: [`${MEMBERSHIP}Learner`],
  },
  { status: 'Active', user_id: 'student-2', given_name: 'Alan', family_name: 'Turing', roles: ['Learner'] },
  { status: 'Inactive', user_id: 'student-old', name: 'Gone Away', roles: ['Learner'] },
]

beforeAll(async () => {
  platform = await new FakeLtiPlatform().start()
  h = await startHarness({
    backend: 'fake',
    workshops: [{ name: 'shell', reserved: 1, capacity: 10, expires: '2m', deadline: '30m' }],
    lms: [
      {
        name: 'moodle',
        lti13: platform.lti13,
        labs: [{ id: 'intro-shell', workshop: 'shell' }],
      },
    ],
  })
  platform.connectTool(h.url)
  platform.trustTool(`${h.url}/lti/1.3/jwks`)
  platform.roster = ROSTER
})
afterAll(async () => {
  await h?.close()
  await platform?.close()
})

/** A complete login and launch by `sub` with `claims` from `browser`, which keeps the cookies set. */
const launch = (sub: string, claims: Record<string, unknown>, browser = new CookieClient()) =>
  httpLaunch(platform, h.url, sub, claims, browser)

/** An instructor's launch into their course page: the browser, the page's URL and its HTML. */
async function coursePage(sub = 'teacher-1', course = 'c-101') {
  const { res, browser } = await launch(sub, instructor(course))
  expect(res.status).toBe(303)
  const url = `${h.url}${res.headers.get('location')!}`
  expect(url).toMatch(/\/lti\/1\.3\/course\/[\w-]{32}$/)
  const page = await browser.get(url)
  expect(page.status).toBe(200)
  expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
  return { browser, url, html: await page.text() }
}

/** Posts a course page's form from `browser` (with its cookies). */
function post(browser: CookieClient, url: string, fields: Record<string, string>) {
  const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams(fields),
    redirect: 'manual',
  })
}

const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)![1]!

/** The learner's session of the lab, entered through its activation URL. */
async function learnerSession(sub: string) {
  const { res } = await launch(sub, {})
  expect(res.status).toBe(303)
  const location = res.headers.get('location')!
  expect((await new CookieClient().get(`${h.url}${location}`)).status).toBe(302)
  return /session\/([\w-]+)\//.exec(location)![1]!
}

describe('the course page', () => {
  let session: string

  beforeAll(async () => {
    session = await learnerSession('student-1')
  })

  it('shows the members of every roster page and the learners’ sessions', async () => {
    const requests = platform.rosterRequests.length
    const { html } = await coursePage()
    expect(platform.rosterRequests.slice(requests).map((r) => [r.page, r.status])).toEqual([
      [1, 200],
      [2, 200],
    ])
    expect(platform.tokenRequests.at(-1)).toMatchObject({
      status: 200,
      scopes: ['https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly'],
    })
    expect(html).toContain('Course: Course c-101')
    expect(html).toContain('Grace Hopper')
    expect(html).toContain('ada@example.org')
    expect(html).toContain('Alan Turing')
    expect(html).not.toContain('Gone Away')
    expect(html).toContain(`data-session="${session}">running`)
    expect(html).toMatch(/Alan Turing[\s\S]*not started/)
    expect(html).toContain('Open the lab yourself')
  })

  it('extends and terminates a learner’s session', async () => {
    const { browser, url, html } = await coursePage()
    const before = (await h.lg.deps.store.getSession(session))!.expiresAt!
    const extend = await post(browser, `${url}/extend`, { csrf: csrfOf(html), session })
    expect(extend.status).toBe(303)
    expect(extend.headers.get('location')).toMatch(/\?done=extended$/)
    expect((await h.lg.deps.store.getSession(session))!.expiresAt!).toBeGreaterThan(before)
    const notice = await (await browser.get(`${h.url}${extend.headers.get('location')}`)).text()
    expect(notice).toContain('The session was extended.')

    const terminate = await post(browser, `${url}/terminate`, { csrf: csrfOf(html), session })
    expect(terminate.status).toBe(303)
    expect(['STOPPING', 'STOPPED']).toContain((await h.lg.deps.store.getSession(session))!.state)
    expect(await (await browser.get(url)).text()).toContain(`data-session="${session}">finished`)
  })

  it('refuses a form without its CSRF token, a learner, and another course’s instructor', async () => {
    const live = await learnerSession('student-2')
    const { browser, url, html } = await coursePage()
    expect((await post(browser, `${url}/terminate`, { session: live })).status).toBe(403)
    expect((await post(browser, `${url}/terminate`, { csrf: 'x'.repeat(43), session: live })).status).toBe(
      403,
    )

    const learner = (await launch('student-2', {})).browser
    expect(learner.cookies.has('labgate_auth')).toBe(true)
    expect((await learner.get(url)).status).toBe(403)
    expect((await post(learner, `${url}/terminate`, { csrf: csrfOf(html), session: live })).status).toBe(403)

    platform.roster = [ROSTER[0]!, { user_id: 'student-9', name: 'Someone Else', roles: ['Learner'] }]
    const other = await coursePage('teacher-2', 'c-202')
    platform.roster = ROSTER
    expect(other.html).not.toContain('Ada Lovelace')
    const own = await post(other.browser, `${other.url}/terminate`, {
      csrf: csrfOf(other.html),
      session: live,
    })
    expect(own.status).toBe(403)
    expect(await own.text()).toContain('not one you may manage')
    const foreign = await post(other.browser, `${url}/terminate`, { csrf: csrfOf(other.html), session: live })
    expect(foreign.status).toBe(403)
    expect((await other.browser.get(url)).status).toBe(403)
    expect((await h.lg.deps.store.getSession(live))!.state).toBe('RUNNING')
    // The instructor of the course still may.
    expect((await post(browser, `${url}/terminate`, { csrf: csrfOf(html), session: live })).status).toBe(303)
  })

  it('opens the lab for the instructor', async () => {
    const { browser, url, html } = await coursePage()
    const res = await post(browser, `${url}/open`, { csrf: csrfOf(html) })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toMatch(/^\/workshops\/session\/[\w-]+\//)
  })

  it('is read-only inside the LMS’s iframe, with a way to a window of its own', async () => {
    const browser = new CookieClient()
    const q = new URLSearchParams({
      iss: platform.issuer,
      login_hint: 'teacher-1',
      target_link_uri: `${h.url}/lti/1.3/launch`,
      client_id: platform.clientId,
    })
    const auth = new URL((await browser.get(`${h.url}/lti/1.3/login?${q}`)).headers.get('location')!)
    const idToken = await platform.idToken({
      sub: 'teacher-1',
      nonce: auth.searchParams.get('nonce')!,
      claims: instructor(),
      at: Date.now(),
    })
    const res = await fetch(`${h.url}/lti/1.3/launch`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'sec-fetch-dest': 'iframe',
        cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      },
      body: new URLSearchParams({ id_token: idToken, state: auth.searchParams.get('state')! }),
      redirect: 'manual',
    })
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('Ada Lovelace')
    expect(html).not.toContain('name="csrf"')
    expect(html).toMatch(/href="\/lti\/1\.3\/login\?[^"]+" target="_blank"/)
    expect(res.headers.getSetCookie().join()).not.toContain('labgate_auth')
  })

  it('shows an error when the roster cannot be read, and audits it', async () => {
    platform.rosterFailure = 500
    const { html } = await coursePage()
    platform.rosterFailure = null
    expect(html).toContain('could not be read: the roster service answered 500')
    expect(html).not.toContain('Ada Lovelace')
    const reads = (await h.lg.db.audit.list({})).filter((r) => r.kind === 'nrps.roster')
    expect(reads.find((r) => r.outcome === 'failed')).toMatchObject({
      lms: 'moodle',
      userId: 'moodle:teacher-1',
      course: 'c-101',
      reason: 'the roster service answered 500',
    })
    expect(reads.find((r) => r.outcome === 'ok')).toMatchObject({ data: { members: 3 } })
  })
})
