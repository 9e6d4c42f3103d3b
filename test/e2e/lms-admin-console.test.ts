/**
 * An LMS's own administrator in labgate (gateway4labs' LMS admin), with two LMSs registered with basic-HTTP:
 * the LMS asks for a one-time sign-in link for its administrator, who then grants the LMS's labs to its
 * courses (found through the LMS's course service), manages teachers and their keys, and reads the LMS's
 * sessions and audit trail, and nothing of the other LMS's. Every form is CSRF-checked and audited.
 */
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FormBrowser } from '../form-browser.js'
import { startHarness, type Harness } from '../harness.js'
import { requestSession } from './admin-client.js'
import { FakeLmsCourseService } from '../lms/fake-lms-course-service.js'

let h: Harness
let courses: FakeLmsCourseService
const A = { username: 'alpha-g4l', password: 'alpha-password-0123456789' }
const B = { username: 'beta-g4l', password: 'beta-password-9876543210' }
const AUTHENTICATE = '/labmanager/lms/admin/authenticate/'

beforeAll(async () => {
  courses = await new FakeLmsCourseService().start()
  h = await startHarness({
    backend: 'fake',
    workshops: [{ name: 'shell', capacity: 6 }],
    lms: [
      {
        name: 'alpha',
        timeZone: 'Europe/Madrid',
        basicHttp: {
          ...A,
          coursesUrl: courses.coursesUrl,
          coursesUsername: courses.username,
          coursesPassword: courses.password,
        },
        labs: [
          { id: 'intro', workshop: 'shell', timeAllowed: '1h' },
          {
            id: 'evening',
            workshop: 'shell',
            windows: [{ weekdays: [1, 2, 3, 4, 5], startTime: '18:00', endTime: '22:00' }],
          },
        ],
      },
      { name: 'beta', basicHttp: B, labs: [{ id: 'beta-lab', workshop: 'shell' }] },
    ],
  })
})
afterAll(async () => {
  await h?.close()
  await courses?.stop()
})

const basic = (l: { username: string; password: string }) =>
  `Basic ${Buffer.from(`${l.username}:${l.password}`).toString('base64')}`

/** The LMS asking for a sign-in link for its administrator. */
const authenticate = (login: { username: string; password: string } | null, body: unknown) =>
  fetch(`${h.url}${AUTHENTICATE}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(login ? { authorization: basic(login) } : {}) },
    body: JSON.stringify(body),
  })

/** A browser signed in as `name`, an administrator of the LMS of `login`. */
async function signIn(login: { username: string; password: string }, name: string): Promise<FormBrowser> {
  const link = await (await authenticate(login, { 'full-name': name })).text()
  const browser = new FormBrowser(h.url)
  const entered = await browser.get(link.slice(h.url.length))
  expect(entered.status).toBe(303)
  expect(entered.headers.get('location')).toBe('/lms-admin/')
  return browser
}

/** Opens `page` (for its CSRF cookie), posts the form to `action`, and expects a 303 back to `back`. */
async function submit(
  browser: FormBrowser,
  page: string,
  action: string,
  fields: Record<string, string>,
  back = page.replace(/\?.*$/, ''),
): Promise<string> {
  expect((await browser.get(page)).status).toBe(200)
  const res = await browser.post(action, fields)
  expect(res.status, await res.clone().text()).toBe(303)
  expect(res.headers.get('location')).toBe(back)
  const shown = await browser.get(back)
  expect(shown.status).toBe(200)
  return shown.text()
}

const gateway = () => h.lg.db.lmsGateway
const PAGES = [
  '/lms-admin/',
  '/lms-admin/courses/',
  '/lms-admin/teachers/',
  '/lms-admin/sessions/',
  '/lms-admin/audit/',
]

describe('signing an LMS administrator in', () => {
  it("answers the LMS a one-time link for its login and the administrator's name", async () => {
    const res = await authenticate(A, { 'full-name': 'Ada Admin' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
    expect(await res.text()).toMatch(new RegExp(`^${h.url}/lms-admin/enter/\\?ticket=[\\w.-]+$`))
    const inJson = await authenticate(null, {
      'full-name': 'Ada Admin',
      lms_username: A.username,
      lms_password: A.password,
    })
    expect(inJson.status).toBe(200)
  })

  it('refuses a wrong login with 401 and the challenge, and a body without a name with 400', async () => {
    for (const login of [{ ...A, password: B.password }, null]) {
      const res = await authenticate(login, { 'full-name': 'Mallory' })
      expect(res.status).toBe(401)
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="Login Required"')
    }
    const nameless = await authenticate(A, { name: 'Ada Admin' })
    expect(nameless.status).toBe(400)
    expect(await nameless.text()).toContain('full-name')
  })

  it('lets the link be used once', async () => {
    const link = (await (await authenticate(A, { 'full-name': 'Ada Admin' })).text()).slice(h.url.length)
    const first = new FormBrowser(h.url)
    expect((await first.get(link)).status).toBe(303)
    expect(first.cookies.get('labgate_lms_admin')).toBeTruthy()
    const again = new FormBrowser(h.url)
    const replayed = await again.get(link)
    expect(replayed.status).toBe(400)
    expect(await replayed.text()).toContain('used already')
    expect(again.cookies.has('labgate_lms_admin')).toBe(false)
  })

  it('answers every page and form without a sign-in with a 401 page, doing nothing', async () => {
    for (const page of [...PAGES, '/lms-admin/labs/intro/']) {
      const res = await fetch(h.url + page)
      expect(res.status, page).toBe(401)
      expect(await res.text()).toContain('Sign in from your LMS')
    }
    const stranger = new FormBrowser(h.url)
    const res = await stranger.post('/lms-admin/labs/intro/grant', { course: 'c-101', csrf: 'x'.repeat(43) })
    expect(res.status).toBe(401)
    expect(await gateway().listCourseGrants('alpha')).toEqual([])
  })
})

describe("an LMS administrator's pages", () => {
  let ada: FormBrowser

  beforeAll(async () => {
    ada = await signIn(A, 'Ada Admin')
  })

  it("shows the LMS's labs on the overview, in a page no other site may frame", async () => {
    const res = await ada.get('/lms-admin/')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    expect(res.headers.get('cache-control')).toBe('no-store')
    const text = await res.text()
    expect(text).toContain('<strong>alpha</strong>')
    expect(text).toContain('<strong>Ada Admin</strong>')
    expect(text).toMatch(/action="\/lms-admin\/sign-out"[\s\S]*name="csrf"/)
    expect(text).toContain('href="/lms-admin/labs/intro/"')
    expect(text).toContain('60 min')
    expect(text).toContain('Mondays to Fridays 18:00–22:00 (Europe/Madrid)')
    expect(text).toContain('none (open to every course)')
    for (const page of PAGES.slice(1)) expect(text).toContain(`href="${page}"`)
    expect(text).not.toContain('beta-lab')
  })

  it("lists the LMS's courses from its course service, a page at a time, with a search", async () => {
    const first = await ada.get('/lms-admin/courses/')
    expect(first.status).toBe(200)
    const text = await first.text()
    expect(courses.requests.at(-1)).toMatchObject({
      method: 'POST',
      query: { q: '', start: '0' },
      authorization: basic({ username: courses.username, password: courses.password }),
    })
    expect(text).toContain('Intro to Shell')
    expect(text).toContain('Advanced Shell')
    expect(text).not.toContain('Physics I')
    expect(text).toContain('href="/lms-admin/labs/intro/?course=c-101&amp;name=Intro+to+Shell"')
    expect(text).toContain('href="/lms-admin/courses/?start=2" rel="next"')
    expect(text).not.toContain('rel="prev"')

    const second = await (await ada.get('/lms-admin/courses/?start=2')).text()
    expect(courses.requests.at(-1)?.query).toEqual({ q: '', start: '2' })
    expect(second).toContain('Physics I')
    expect(second).toContain('href="/lms-admin/courses/" rel="prev"')
    expect(second).not.toContain('rel="next"')

    const found = await (await ada.get('/lms-admin/courses/?q=advanced')).text()
    expect(courses.requests.at(-1)?.query).toEqual({ q: 'advanced', start: '0' })
    expect(found).toContain('Advanced Shell')
    expect(found).not.toContain('Intro to Shell')
    expect(found).toContain('value="advanced"')
  })

  it('says on the page when the course service fails, with 502', async () => {
    try {
      courses.mode = 500
      const failed = await ada.get('/lms-admin/courses/')
      expect(failed.status).toBe(502)
      const text = await failed.text()
      expect(text).toContain('could not be read')
      expect(text).toContain('answered HTTP 500')
      expect(text).toContain('href="/lms-admin/labs/intro/"')
      courses.mode = 'garbage'
      expect(await (await ada.get('/lms-admin/courses/')).text()).toContain('not JSON')
    } finally {
      courses.mode = 'ok'
    }
  })

  it('grants a lab to a course with its settings through the form, shown on the page and stored', async () => {
    const prefilled = await (
      await ada.get('/lms-admin/labs/intro/?course=c-101&name=Intro%20to%20Shell')
    ).text()
    expect(prefilled).toContain('id="course" name="course" required maxlength="200" value="c-101"')
    expect(prefilled).toContain('value="Intro to Shell"')
    expect(prefilled).toContain('open to every course of your LMS until you grant it')
    expect(prefilled).toContain('Europe/Madrid')

    const page = await submit(ada, '/lms-admin/labs/intro/?course=c-101', '/lms-admin/labs/intro/grant', {
      course: 'c-101',
      courseName: 'Intro to Shell',
      minutes: '45',
      priority: '7',
      windows: '2026-12-01..2027-01-31 Mon,Wed 09:00-11:00',
    })
    expect(page).toContain('Lab intro is granted to course c-101.')
    expect(page).toContain(
      'Mondays and Wednesdays 09:00–11:00 from 2026-12-01 until 2027-01-31 (Europe/Madrid)',
    )
    expect(page).toContain('45 min')
    expect(page).toContain('<td>7</td>')
    expect(page).toContain('<td>Ada Admin</td>')
    expect(await gateway().listCourseGrants('alpha', 'intro')).toEqual([
      expect.objectContaining({
        course: 'c-101',
        courseName: 'Intro to Shell',
        by: 'Ada Admin',
        settings: {
          timeAllowed: 2700,
          priority: 7,
          windows: [
            {
              from: '2026-12-01',
              until: '2027-01-31',
              weekdays: [1, 3],
              startTime: '09:00',
              endTime: '11:00',
            },
          ],
        },
      }),
    ])
    // The flash is shown once.
    expect(await (await ada.get('/lms-admin/labs/intro/')).text()).not.toContain('is granted to course')
    // Editing fills the form from the grant.
    const edit = await (await ada.get('/lms-admin/labs/intro/?course=c-101')).text()
    expect(edit).toMatch(/>\n?2026-12-01\.\.2027-01-31 Mon,Wed 09:00-11:00<\/textarea>/)
    expect(edit).toContain('id="minutes" name="minutes" inputmode="numeric" pattern="[0-9]*" value="45"')
    // The overview counts it, and the courses page names it.
    expect(await (await ada.get('/lms-admin/')).text()).toMatch(/<td>1<\/td>/)
    expect(await (await ada.get('/lms-admin/courses/')).text()).toMatch(
      /<td>c-101<\/td>\s*<td>Intro to Shell<\/td>\s*<td>intro<\/td>/,
    )
  })

  it('refuses bad settings with a 400 page that says what to fix, storing nothing', async () => {
    await ada.get('/lms-admin/labs/evening/')
    const res = await ada.post('/lms-admin/labs/evening/grant', { course: 'c-102', windows: 'Mon-Fri 9am' })
    expect(res.status).toBe(400)
    expect(await res.text()).toContain('cannot read &quot;9am&quot;')
    const priority = await ada.post('/lms-admin/labs/evening/grant', { course: 'c-102', priority: '5000' })
    expect(priority.status).toBe(400)
    expect(await gateway().listCourseGrants('alpha', 'evening')).toEqual([])
    expect((await ada.get('/lms-admin/labs/no-such-lab/')).status).toBe(404)
  })

  it('refuses a form without the CSRF token (403) or not sent as a form (415), changing nothing', async () => {
    const before = await gateway().listCourseGrants('alpha')
    const none = await ada.post('/lms-admin/labs/intro/revoke', { course: 'c-101' }, { csrf: null })
    expect(none.status).toBe(403)
    expect(await none.text()).toContain('Form expired')
    const wrong = await ada.post('/lms-admin/labs/intro/grant', { course: 'c-102' }, { csrf: 'y'.repeat(43) })
    expect(wrong.status).toBe(403)
    const cookie = [...ada.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    const json = await fetch(`${h.url}/lms-admin/labs/intro/revoke`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ course: 'c-101', csrf: ada.cookies.get('labgate_csrf') }),
    })
    expect(json.status).toBe(415)
    expect(await gateway().listCourseGrants('alpha')).toEqual(before)
  })

  it('revokes a grant, and says so when there is none', async () => {
    const page = await submit(ada, '/lms-admin/labs/intro/', '/lms-admin/labs/intro/revoke', {
      course: 'c-101',
    })
    expect(page).toContain('Lab intro is no longer granted to course c-101.')
    expect(await gateway().listCourseGrants('alpha', 'intro')).toEqual([])
    const again = await ada.post('/lms-admin/labs/intro/revoke', { course: 'c-101' })
    expect(again.status).toBe(404)
  })

  it('makes a teacher and a key whose secret is shown once and never stored, then revokes it', async () => {
    const page = await submit(ada, '/lms-admin/teachers/', '/lms-admin/teachers/', {
      name: 'Grace Hopper',
      email: 'grace@example.org',
    })
    expect(page).toContain('Teacher Grace Hopper is created')
    const [teacher] = await gateway().listTeachers('alpha')
    expect(teacher).toMatchObject({ name: 'Grace Hopper', email: 'grace@example.org', by: 'Ada Admin' })
    const twice = await ada.post('/lms-admin/teachers/', { name: 'Grace Hopper' })
    expect(twice.status).toBe(409)

    const made = await ada.post(`/lms-admin/teachers/${teacher!.id}/keys`, { lab: 'intro' })
    expect(made.status).toBe(200)
    expect(made.headers.get('cache-control')).toBe('no-store')
    const shown = await made.text()
    expect(shown).toContain('will not be shown again')
    expect(shown).toContain(`<code>${h.url}/lti/1.1/launch</code>`)
    const key = /<dt>Consumer key<\/dt>\s*<dd><code>([^<]+)<\/code>/.exec(shown)![1]!
    const secret = /<dt>Shared secret<\/dt>\s*<dd><code>([^<]+)<\/code>/.exec(shown)![1]!
    expect(secret.length).toBeGreaterThan(30)

    const stored = await gateway().getTeacherKey(key)
    expect(stored).toMatchObject({ lms: 'alpha', teacher: teacher!.id, lab: 'intro', revokedAt: null })
    expect(stored!.secretHash).toBe(createHash('sha256').update(secret).digest('hex'))
    expect(JSON.stringify(stored)).not.toContain(secret)
    const list = await (await ada.get('/lms-admin/teachers/')).text()
    expect(list).toContain(key)
    expect(list).not.toContain(secret)
    expect(JSON.stringify(await h.lg.db.audit.list({}))).not.toContain(secret)

    const revoked = await submit(ada, '/lms-admin/teachers/', '/lms-admin/teachers/keys/revoke', { key })
    expect(revoked).toContain(`Key ${key} (lab intro) is revoked.`)
    expect(revoked).toMatch(/revoked \d{4}-\d{2}-\d{2} \d{2}:\d{2}/)
    expect((await gateway().getTeacherKey(key))?.revokedAt).not.toBeNull()
    expect((await ada.post('/lms-admin/teachers/keys/revoke', { key })).status).toBe(404)
    expect((await ada.post(`/lms-admin/teachers/${teacher!.id}/keys`, { lab: 'nope' })).status).toBe(404)
  })

  it("never shows or changes another LMS's labs, grants, teachers, keys, sessions or audit", async () => {
    const bea = await signIn(B, 'Bea Admin')
    await submit(bea, '/lms-admin/labs/beta-lab/', '/lms-admin/labs/beta-lab/grant', {
      course: 'b-course',
      courseName: 'Beta Course',
    })
    await submit(bea, '/lms-admin/teachers/', '/lms-admin/teachers/', { name: 'Bob Beta' })
    const [bob] = await gateway().listTeachers('beta')
    await bea.get('/lms-admin/teachers/')
    expect((await bea.post(`/lms-admin/teachers/${bob!.id}/keys`, { lab: 'beta-lab' })).status).toBe(200)
    const [bKey] = await gateway().listTeacherKeys('beta')
    const bGrants = await gateway().listCourseGrants('beta')
    expect(bGrants).toHaveLength(1)
    expect(await (await bea.get('/lms-admin/')).text()).not.toContain('href="/lms-admin/labs/intro/"')

    await ada.get('/lms-admin/')
    expect((await ada.get('/lms-admin/labs/beta-lab/')).status).toBe(404)
    const grant = await ada.post('/lms-admin/labs/beta-lab/grant', { course: 'a-course' })
    expect(grant.status).toBe(404)
    const revoke = await ada.post('/lms-admin/labs/beta-lab/revoke', { course: 'b-course' })
    expect(revoke.status).toBe(404)
    const revokeKey = await ada.post('/lms-admin/teachers/keys/revoke', { key: bKey!.key })
    expect(revokeKey.status).toBe(404)
    const keyForBob = await ada.post(`/lms-admin/teachers/${bob!.id}/keys`, { lab: 'intro' })
    expect(keyForBob.status).toBe(404)
    expect(await gateway().listCourseGrants('beta')).toEqual(bGrants)
    expect(await gateway().listTeacherKeys('beta')).toEqual([bKey])
    expect((await gateway().listCourseGrants('alpha')).some((g) => g.lab === 'beta-lab')).toBe(false)

    for (const page of PAGES) {
      const text = await (await ada.get(page)).text()
      for (const theirs of ['beta-lab', 'b-course', 'Bob Beta', bKey!.key, 'Bea Admin'])
        expect(text, `${page} shows ${theirs}`).not.toContain(theirs)
    }
  })

  it("lists the LMS's users' sessions and waiting launches only", async () => {
    // Sessions of users of both LMSs (labgate's user ids are `<lms>:<the LMS's id>`).
    const mine = {
      a: await requestSession(h, 'lab-w01', 'alpha:u-a'),
      b: await requestSession(h, 'lab-w01', 'beta:u-b'),
    }
    const now = Date.now()
    const waiter = (lms: string, user: string, priority: number) =>
      gateway().enqueueWaiter({
        id: `w-${lms}`,
        lms,
        lab: lms === 'alpha' ? 'intro' : 'beta-lab',
        environment: 'lab-w01',
        userId: `${lms}:${user}`,
        priority,
        launch: {},
        at: now,
      })
    await waiter('alpha', 'u-wait', 3)
    await waiter('beta', 'u-beta-wait', 9)

    const text = await (await ada.get('/lms-admin/sessions/')).text()
    expect(text).toContain(mine.a.name)
    expect(text).toContain('<td>u-a</td>')
    expect(text).not.toContain(mine.b.name)
    expect(text).not.toContain('u-b<')
    expect(text).toMatch(/<td>intro<\/td>\s*<td>u-wait<\/td>\s*<td>3<\/td>/)
    expect(text).not.toContain('u-beta-wait')
  })

  it("shows the LMS's audit trail newest first, a page at a time", async () => {
    const first = await (await ada.get('/lms-admin/audit/')).text()
    for (const kind of [
      'lms_admin.sign_in',
      'lms_admin.course.grant',
      'lms_admin.course.revoke',
      'lms_admin.teacher.create',
      'lms_admin.key.create',
      'lms_admin.key.revoke',
    ])
      expect(first, kind).toContain(`<td>${kind}</td>`)
    expect(first).toContain('&quot;by&quot;:&quot;Ada Admin&quot;')
    expect(first).not.toContain('rel="next"')

    for (let i = 0; i < 55; i++)
      await h.lg.db.audit.append({
        at: Date.now(),
        lms: 'alpha',
        kind: 'basic_http.request',
        userId: `alpha:flood-${i}`,
        course: null,
        lab: 'intro',
        outcome: 'ok',
        reason: null,
        data: {},
      })
    const newest = await (await ada.get('/lms-admin/audit/')).text()
    expect(newest).toContain('<td>flood-54</td>')
    expect(newest).not.toContain('<td>flood-4</td>')
    const older = /href="\/lms-admin\/audit\/\?before=(\d+)" rel="next"/.exec(newest)
    expect(older).not.toBeNull()
    const next = await (await ada.get(`/lms-admin/audit/?before=${older![1]}`)).text()
    expect(next).toContain('<td>flood-4</td>')
    expect(next).toContain('<td>lms_admin.course.grant</td>')
    expect(next).toContain('href="/lms-admin/audit/">Newest records')
  })

  it("audits the administrators' actions with their kinds, names and LMS", async () => {
    const records = await h.lg.db.audit.list({ lms: 'alpha' })
    const admin = records.filter((r) => r.kind.startsWith('lms_admin.'))
    expect(new Set(admin.map((r) => r.kind))).toEqual(
      new Set([
        'lms_admin.sign_in',
        'lms_admin.course.grant',
        'lms_admin.course.revoke',
        'lms_admin.teacher.create',
        'lms_admin.key.create',
        'lms_admin.key.revoke',
      ]),
    )
    expect(admin.filter((r) => r.kind !== 'lms_admin.sign_in').every((r) => r.data.by === 'Ada Admin')).toBe(
      true,
    )
    expect(admin.find((r) => r.kind === 'lms_admin.course.grant')).toMatchObject({
      course: 'c-101',
      lab: 'intro',
      outcome: 'ok',
    })
    const beta = await h.lg.db.audit.list({ lms: 'beta' })
    expect(beta.filter((r) => r.kind.startsWith('lms_admin.')).every((r) => r.data.by !== 'Ada Admin')).toBe(
      true,
    )
    expect(JSON.stringify(records)).not.toContain(A.password)
  })

  it('signs out: the sign-in no longer works', async () => {
    const token = ada.cookies.get('labgate_lms_admin')!
    await ada.get('/lms-admin/')
    const out = await ada.post('/lms-admin/sign-out', {})
    expect(out.status).toBe(200)
    expect(await out.text()).toContain('Signed out')
    const stale = new FormBrowser(h.url)
    stale.cookies.set('labgate_lms_admin', token)
    expect((await stale.get('/lms-admin/')).status).toBe(401)
    expect((await ada.get('/lms-admin/')).status).toBe(401)
    const steps = (await h.lg.db.audit.list({ lms: 'alpha', kind: 'lms_admin.sign_in' })).map(
      (r) => r.data.step,
    )
    expect(steps).toEqual(expect.arrayContaining(['link', 'enter', 'sign_out']))
  })
})
