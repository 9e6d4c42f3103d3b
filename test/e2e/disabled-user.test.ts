/**
 * A user staff disabled gets in by no route: a robot's Educates request for them, the workspaces API's
 * token exchange, LMS launches (LTI 1.1, LTI 1.3, basic HTTP) and a basic-HTTP entry link issued before
 * are refused with a clear error, nothing created or changed, the launches audited `refused` "user
 * disabled". Runs on SQLite, and on PostgreSQL with LABGATE_TEST_DATABASE=postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signLaunch } from '../../src/lms/lti11/index.js'
import { FakeLtiPlatform } from '../lms/fake-lti-platform.js'
import { httpLaunch } from '../lms/lti13-http-launch.js'
import { CookieClient, startHarness, type Harness } from '../harness.js'

let h: Harness
let platform: FakeLtiPlatform
const LTI11 = { key: 'moodle-key', secret: 'moodle-secret-0123456789' }
const BASIC = { username: 'moodle-g4l', password: 'g4l-password-0123456789' }

beforeAll(async () => {
  platform = await new FakeLtiPlatform().start()
  h = await startHarness({
    backend: 'fake',
    workshops: [{ name: 'shell', reserved: 0 }],
    workspaces: {},
    lms: [
      { name: 'moodle', lti11: LTI11, basicHttp: BASIC, labs: [{ id: 'intro', workshop: 'shell' }] },
      { name: 'canvas', lti13: platform.lti13, labs: [{ id: 'intro-shell', workshop: 'shell' }] },
    ],
  })
  platform.connectTool(h.url)
})
afterAll(async () => {
  await h?.close()
  await platform?.close()
})

const store = () => h.lg.deps.store
/** Creates user `id` as the Educates robot would, then disables them. */
async function disabledUser(id: string, username: string | null = null) {
  await store().createUser({ id, kind: 'anonymous', username, at: Date.now() })
  await store().setUserDisabled(id, true, Date.now())
  return (await store().getUser(id))!
}
/** The LMS's basic-HTTP request for a reservation of lab `intro` for its user `user`. */
const reserve = (user: string, fullName: string) =>
  fetch(`${h.url}/labmanager/requests/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${BASIC.username}:${BASIC.password}`).toString('base64')}`,
    },
    body: JSON.stringify({
      courses: ['c-1'],
      'request-payload': JSON.stringify({ action: 'reserve', experiment: 'intro' }),
      'is-admin': false,
      'user-id': user,
      'full-name': fullName,
    }),
  })
const sessionsOf = (owner: string) =>
  store()
    .listSessions({})
    .then((l) => l.filter((s) => s.owner === owner))

describe('a disabled user', () => {
  it('gets no session through an Educates request: 403 saying so', async () => {
    const before = await disabledUser('dora', null)
    const env = (await store().listEnvironments({}))[0]!.name
    const res = await fetch(
      `${h.url}/workshops/environment/${env}/request/?index_url=https://hub.test/&user=dora&email=new@x.org`,
      { headers: { authorization: `Bearer ${await h.token()}` } },
    )
    expect(res.status).toBe(403)
    expect(await res.text()).toContain('User dora is disabled')
    expect(await sessionsOf('dora')).toEqual([])
    expect(await store().getUser('dora')).toEqual(before)
  })

  it('gets no workspaces token from POST /tokens/: 401 in the UWS shape', async () => {
    const before = await disabledUser('wsu-1', 'wendy')
    const res = await fetch(`${h.url}/tokens/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_token: await h.token(),
        user_info: { username: 'wendy', email: 'wendy@example.org' },
      }),
    })
    expect(res.status).toBe(401)
    expect(await res.json()).toEqual({ success: false, message: 'This account is disabled.' })
    expect(await store().getUser('wsu-1')).toEqual(before)
  })

  it('is refused an LTI 1.1 launch with a page, audited "user disabled"', async () => {
    await disabledUser('moodle:u-lti')
    const url = `${h.url}/lti/1.1/launch`
    const form = signLaunch(
      url,
      {
        lti_message_type: 'basic-lti-launch-request',
        lti_version: 'LTI-1p0',
        resource_link_id: 'rl-1',
        user_id: 'u-lti',
        roles: 'Learner',
        context_id: 'c-1',
        custom_lab: 'intro',
      },
      LTI11,
      { timestamp: Math.floor(Date.now() / 1000), nonce: `n-${Math.random()}` },
    )
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
      redirect: 'manual',
    })
    expect(res.status).toBe(403)
    expect(res.headers.get('set-cookie')).toBeNull()
    const page = await res.text()
    expect(page).toContain('Account disabled')
    expect(page).toContain('is disabled')
    expect(await sessionsOf('moodle:u-lti')).toEqual([])
    const audit = (await h.lg.db.audit.list()).filter((r) => r.userId === 'moodle:u-lti')
    expect(audit).toMatchObject([{ kind: 'lti11.launch', outcome: 'refused', reason: 'user disabled' }])
  })

  it('is refused a basic-HTTP request with an error text, audited "user disabled"', async () => {
    await disabledUser('moodle:u-g4l')
    const res = await reserve('u-g4l', 'Gil Forl')
    expect(res.status).toBe(200)
    expect(await res.text()).toMatch(/^error: this user is disabled/)
    expect(await sessionsOf('moodle:u-g4l')).toEqual([])
    const audit = (await h.lg.db.audit.list()).filter((r) => r.userId === 'moodle:u-g4l')
    expect(audit).toMatchObject([{ kind: 'basic_http.request', outcome: 'refused', reason: 'user disabled' }])
  })

  it('is refused by an entry link issued before staff disabled them', async () => {
    const activation = await (await reserve('u-late', 'Lee Late')).text()
    expect((await new CookieClient().get(activation)).status).toBe(302)
    const entry = await (await reserve('u-late', 'Lee Late')).text()
    expect(entry).toContain('/labmanager/enter/?ticket=')
    await store().setUserDisabled('moodle:u-late', true, Date.now())
    const res = await new CookieClient().get(entry)
    expect(res.status).toBe(403)
    expect(res.headers.get('set-cookie')).toBeNull()
    expect(await res.text()).toContain('is disabled')
    const audit = (await h.lg.db.audit.list()).filter(
      (r) => r.userId === 'moodle:u-late' && r.data.entry === true,
    )
    expect(audit).toMatchObject([{ kind: 'basic_http.request', outcome: 'refused', reason: 'user disabled' }])
  })

  it('is refused an LTI 1.3 launch with a page, audited "user disabled"', async () => {
    await disabledUser('canvas:u-13')
    const { res } = await httpLaunch(platform, h.url, 'u-13')
    expect(res.status).toBe(403)
    const page = await res.text()
    expect(page).toContain('Account disabled')
    expect(page).toContain('is disabled')
    expect(await sessionsOf('canvas:u-13')).toEqual([])
    const audit = (await h.lg.db.audit.list()).filter((r) => r.userId === 'canvas:u-13')
    expect(audit).toMatchObject([{ kind: 'lti13.launch', outcome: 'refused', reason: 'user disabled' }])
  })

  it('is refused an LTI 1.3 instructor launch (the course page) before any sign-in', async () => {
    await disabledUser('canvas:t-13')
    const before = (await h.lg.db.audit.list()).length
    const { res } = await httpLaunch(platform, h.url, 't-13', {
      'https://purl.imsglobal.org/spec/lti/claim/roles': [
        'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor',
      ],
      ...platform.nrpsClaim(),
    })
    expect(res.status).toBe(403)
    expect(res.headers.getSetCookie().some((c) => !/Max-Age=0/i.test(c))).toBe(false)
    expect(await res.text()).toContain('Account disabled')
    const launches = (await h.lg.db.audit.list()).slice(before).filter((r) => r.kind === 'lti13.launch')
    expect(launches).toMatchObject([
      { kind: 'lti13.launch', userId: 'canvas:t-13', outcome: 'refused', reason: 'user disabled' },
    ])
  })
})
