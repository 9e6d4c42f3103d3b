/**
 * gateway4labs' basic-HTTP protocol as an LMS plug-in speaks it (the test plays the LMS): a reservation
 * answers a URL that lands the user in their session's dashboard; a wrong login is a 401 with the
 * original's challenge; a lab the LMS may not use, an unsupported action, a malformed body or a course
 * outside the lab's courses are answered 200 with the original's texts; every request is audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CookieClient, startHarness, type Harness } from '../harness.js'
import { FakeRemoteLabSystem } from '../lms/fake-remote-lab-system.js'

let h: Harness
let physics: FakeRemoteLabSystem
const LOGIN = { username: 'moodle-g4l', password: 'g4l-password-0123456789' }
const PERMISSION =
  'Your LMS does not have permission to use that laboratory or that identifier does not exist'

beforeAll(async () => {
  physics = await new FakeRemoteLabSystem().start()
  h = await startHarness({
    backend: 'fake',
    workshops: [{ name: 'shell', reserved: 1 }],
    remoteLabs: [physics.system('physics-lab')],
    lms: [
      {
        name: 'moodle',
        basicHttp: LOGIN,
        labs: [
          { id: 'intro', workshop: 'shell' },
          { id: 'course-only', workshop: 'shell', courses: [{ contextId: 'c-101' }] },
          { id: 'x<script>', workshop: 'shell' },
          { id: 'pendulum', remote: { system: 'physics-lab', laboratory: 'pendulum-1' } },
        ],
      },
    ],
  })
})
afterAll(async () => {
  await h?.close()
  await physics?.stop()
})

const basic = (l: { username: string; password: string }) =>
  `Basic ${Buffer.from(`${l.username}:${l.password}`).toString('base64')}`

/** A request body as the plug-in builds it. */
function body(o: { user?: string; lab?: string; courses?: unknown; action?: string } = {}) {
  return {
    courses: o.courses ?? ['c-999'],
    'request-payload': JSON.stringify({ action: o.action ?? 'reserve', experiment: o.lab ?? 'intro' }),
    'is-admin': false,
    'user-id': o.user ?? 'u-1',
    'full-name': 'Ada Lovelace',
    'user-agent': 'Mozilla/5.0',
    'origin-ip': '192.0.2.7',
    referer: 'https://moodle.example/course/view.php?id=1',
  }
}

const post = (payload: unknown, o: { login?: typeof LOGIN | null; path?: string; type?: string } = {}) =>
  fetch(`${h.url}${o.path ?? '/labmanager/requests/'}`, {
    method: 'POST',
    headers: {
      'content-type': o.type ?? 'application/json',
      ...(o.login === null ? {} : { authorization: basic(o.login ?? LOGIN) }),
    },
    body: typeof payload === 'string' ? payload : JSON.stringify(payload),
    redirect: 'manual',
  })

/** Follows redirects (at most 8) and returns the last answer. */
async function follow(browser: CookieClient, url: string): Promise<Response> {
  let res = await browser.get(url)
  for (let i = 0; i < 8 && (res.status === 302 || res.status === 303); i++)
    res = await browser.get(new URL(res.headers.get('location')!, url).toString())
  return res
}

describe('gateway4labs basic-HTTP requests', () => {
  it('answers a URL that lands the user in their session, and the same session again', async () => {
    const res = await post(body())
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
    const url = await res.text()
    expect(url.startsWith(`${h.url}/workshops/session/`)).toBe(true)
    const session = /session\/([\w-]+)\//.exec(url)![1]!
    const dashboard = await follow(new CookieClient(), url)
    expect(dashboard.status).toBe(200)
    expect(await dashboard.text()).toContain(session)
    expect((await h.lg.deps.store.getSession(session))?.owner).toBe('moodle:u-1')
    expect(await h.lg.deps.store.getUser('moodle:u-1')).toMatchObject({
      firstName: 'Ada',
      lastName: 'Lovelace',
    })
  })

  it('answers a single-use entry link for a session activated before, which signs another browser in', async () => {
    const first = await (await post(body({ user: 'u-5' }))).text()
    const session = /session\/([\w-]+)\//.exec(first)![1]!
    expect((await follow(new CookieClient(), first)).status).toBe(200)
    const again = await post(body({ user: 'u-5' }), { path: '/labmanager/requests' })
    const entry = await again.text()
    expect(entry).toMatch(new RegExp(`^${h.url}/labmanager/enter/\\?ticket=[\\w.-]+$`))
    const otherBrowser = new CookieClient()
    const dashboard = await follow(otherBrowser, entry)
    expect(dashboard.status).toBe(200)
    expect(await dashboard.text()).toContain(session)
    const replayed = await follow(new CookieClient(), entry)
    expect(replayed.status).toBe(400)
    expect(await replayed.text()).toContain('used already')
    // A character in the middle of the signature (the last one may carry unused bits).
    const at = entry.length - 10
    const forged = await follow(
      new CookieClient(),
      entry.slice(0, at) + (entry[at] === 'A' ? 'B' : 'A') + entry.slice(at + 1),
    )
    expect(forged.status).toBe(400)
    expect(await forged.text()).toContain('not valid')
  })

  it('takes the login from the JSON, and the JSON as the first key of a form', async () => {
    const inJson = await post(
      { ...body({ user: 'u-2' }), lms_username: LOGIN.username, lms_password: LOGIN.password },
      { login: null },
    )
    expect(await inJson.text()).toMatch(/^http:\/\/.*\/activate\/\?token=/)
    const asForm = await post(
      new URLSearchParams({ [JSON.stringify(body({ user: 'u-2' }))]: '' }).toString(),
      {
        type: 'application/x-www-form-urlencoded',
      },
    )
    expect(await asForm.text()).toMatch(/^http:\/\/.*\/activate\/\?token=/)
  })

  it('refuses a wrong or missing login with 401 and the original challenge', async () => {
    for (const login of [{ ...LOGIN, password: 'guessed' }, { username: 'nobody', password: 'x' }, null]) {
      const res = await post(body({ user: 'u-3' }), { login })
      expect(res.status).toBe(401)
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="Login Required"')
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
    }
    const badJsonLogin = await post(
      { ...body(), lms_username: LOGIN.username, lms_password: 'nope' },
      { login: null },
    )
    expect(badJsonLogin.status).toBe(401)
    expect(await h.lg.deps.store.getUser('moodle:u-3')).toBeNull()
  })

  it('answers 200 with the texts of a refusal', async () => {
    const unknown = await post(body({ lab: 'no-such-lab' }))
    expect(unknown.status).toBe(200)
    expect(await unknown.text()).toBe(PERMISSION)
    const unsupported = await post(body({ action: 'list' }))
    expect(unsupported.status).toBe(200)
    expect(await unsupported.text()).toBe('Unsupported operation')
    for (const malformed of [
      '{not json',
      JSON.stringify({ ...body(), 'request-payload': '{oops' }),
      '[]',
      '',
    ]) {
      const res = await post(malformed)
      expect(res.status).toBe(200)
      expect(await res.text()).toMatch(/^error: /)
    }
    const noUser = await post({ ...body(), 'user-id': undefined })
    expect(await noUser.text()).toMatch(/^error: .*user-id/)
  })

  it('lets a course-restricted lab be reserved only from one of its courses', async () => {
    const elsewhere = await post(body({ user: 'u-4', lab: 'course-only', courses: ['c-202'] }))
    expect(elsewhere.status).toBe(200)
    expect(await elsewhere.text()).toMatch(/^error: .*not enrolled in any course/)
    const none = await post(body({ user: 'u-4', lab: 'course-only', courses: [] }))
    expect(await none.text()).toMatch(/^error: /)
    const allowed = await post(body({ user: 'u-4', lab: 'course-only', courses: ['c-202', 'c-101'] }))
    expect(await allowed.text()).toMatch(/^http:\/\/.*\/activate\/\?token=/)
  })

  it("answers a remote lab's load_url, and records the browser the LMS relayed", async () => {
    const res = await post(body({ user: 'u-6', lab: 'pendulum' }))
    expect(await res.text()).toBe(`${physics.url}/lab/r-1`)
    expect(physics.reserves.at(-1)).toMatchObject({
      laboratory_id: 'pendulum-1',
      username: 'moodle:u-6',
      institution: 'moodle',
    })
    const launch = (await h.lg.db.audit.list({ lms: 'moodle' })).find(
      (r) => r.kind === 'basic_http.request' && r.userId === 'moodle:u-6' && r.outcome === 'ok',
    )
    expect(launch?.data.browser).toEqual({
      userAgent: 'Mozilla/5.0',
      ip: '192.0.2.7',
      referer: 'https://moodle.example/course/view.php?id=1',
    })
    // The same user again: the same reservation, nothing more asked of the system.
    expect(await (await post(body({ user: 'u-6', lab: 'pendulum' }))).text()).toBe(`${physics.url}/lab/r-1`)
    expect(physics.reserves).toHaveLength(1)
    physics.misbehave.reserve = 'http_500'
    const failed = await post(body({ user: 'u-7', lab: 'pendulum' }))
    expect(failed.status).toBe(200)
    expect(await failed.text()).toMatch(/^error: remote lab system physics-lab answered HTTP 500/)
  })

  it('lists the LMS its lab identifiers, escaped, behind its login', async () => {
    const page = await fetch(`${h.url}/labmanager/requests/`, { headers: { authorization: basic(LOGIN) } })
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    const text = await page.text()
    expect(text).toContain('<code>intro</code>')
    expect(text).toContain('c-101')
    expect(text).toContain('x&lt;script&gt;')
    expect(text).not.toContain('x<script>')
    const anonymous = await fetch(`${h.url}/labmanager/requests/`)
    expect(anonymous.status).toBe(401)
  })

  it('audits every request with its outcome and reason', async () => {
    const records = await h.lg.db.audit.list({})
    expect(records.every((r) => r.kind === 'basic_http.request' || r.kind === 'remote.reserve')).toBe(true)
    expect(records.filter((r) => r.kind === 'remote.reserve').map((r) => r.outcome)).toEqual(['ok', 'failed'])
    const mine = records.filter((r) => r.lms === 'moodle' && r.kind === 'basic_http.request')
    const ok = mine.filter((r) => r.outcome === 'ok' && r.lab)
    expect(ok.map((r) => r.userId)).toEqual(
      expect.arrayContaining(['moodle:u-1', 'moodle:u-2', 'moodle:u-4']),
    )
    expect(ok.find((r) => r.userId === 'moodle:u-4')?.data).toMatchObject({ courses: ['c-202', 'c-101'] })
    const reasons = mine.filter((r) => r.outcome === 'refused').map((r) => r.reason)
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^bad_password/),
        expect.stringMatching(/^unsupported: action "list"/),
        expect.stringMatching(/^malformed: the body is not a JSON object/),
        expect.stringMatching(/^malformed: request-payload is not valid JSON/),
        expect.stringMatching(/no-such-lab/),
        expect.stringMatching(/course/),
        expect.stringMatching(/^replayed: the entry link/),
      ]),
    )
    expect(mine.some((r) => r.outcome === 'ok' && r.data.entry === true && r.userId === 'moodle:u-5')).toBe(
      true,
    )
    const anonymous = records.filter((r) => r.lms === null)
    expect(anonymous.some((r) => r.data.username === 'nobody' && r.reason?.startsWith('unknown_login'))).toBe(
      true,
    )
    expect(anonymous.some((r) => r.reason?.startsWith('no_login'))).toBe(true)
    expect(anonymous.some((r) => r.reason?.startsWith('bad_ticket'))).toBe(true)
    expect(JSON.stringify(records)).not.toContain(LOGIN.password)
    expect(JSON.stringify(records)).not.toContain('guessed')
  })
})
