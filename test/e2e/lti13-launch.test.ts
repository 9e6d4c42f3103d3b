/**
 * LTI 1.3 launches over HTTP, with a fake platform (FakeLtiPlatform) playing the LMS: the login initiation
 * sends the browser to the platform with a state bound to a cookie; the platform's form post lands the
 * learner in their session. Attacks (a replayed launch, a token signed by an unknown key, a wrong
 * audience, an unlisted deployment, another browser's state, a lab outside the permissions) are refused
 * with a page that says why, and every one is audited.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { ltiKeys } from '../../src/main/cli/lti-keys.js'
import { FakeLtiPlatform } from '../lms/fake-lti-platform.js'
import { httpLaunch, postLaunch } from '../lms/lti13-http-launch.js'
import { CookieClient, startHarness, type Harness } from '../harness.js'

let h: Harness
let platform: FakeLtiPlatform

beforeAll(async () => {
  platform = await new FakeLtiPlatform().start()
  h = await startHarness({
    backend: 'fake',
    workshops: [{ name: 'shell', reserved: 1 }],
    lms: [
      {
        name: 'moodle',
        lti13: platform.lti13,
        labs: [
          { id: 'intro-shell', workshop: 'shell' },
          { id: 'course-only', workshop: 'shell', courses: [{ contextId: 'c-202' }] },
        ],
      },
    ],
  })
  platform.connectTool(h.url)
})
afterAll(async () => {
  await h?.close()
  await platform?.close()
})

/** A browser's login initiation: its cookies, and the state and nonce the tool sent to the platform. */
async function login(browser = new CookieClient(), target = `${h.url}/lti/1.3/launch`) {
  const q = new URLSearchParams({
    iss: platform.issuer,
    login_hint: 'student-1',
    target_link_uri: target,
    client_id: platform.clientId,
  })
  const res = await browser.get(`${h.url}/lti/1.3/login?${q}`)
  expect(res.status).toBe(302)
  const auth = new URL(res.headers.get('location')!)
  return { browser, state: auth.searchParams.get('state')!, nonce: auth.searchParams.get('nonce')!, auth }
}

/** The platform's form post of `fields` (id_token, state) from `browser`. */
const launch = (browser: CookieClient, fields: Record<string, string>) => postLaunch(h.url, browser, fields)

/** A complete login and launch by `sub`, with `claims`; the launch's response. */
const fullLaunch = (sub: string, claims: Record<string, unknown> = {}, browser = new CookieClient()) =>
  httpLaunch(platform, h.url, sub, claims, browser)

describe('LTI 1.3 login initiation', () => {
  it('sends the browser to the platform with a state bound to a cookie of its own', async () => {
    const { browser, auth, state } = await login()
    expect(auth.origin + auth.pathname).toBe(`${platform.url}/auth`)
    expect(Object.fromEntries(auth.searchParams)).toMatchObject({
      scope: 'openid',
      response_type: 'id_token',
      response_mode: 'form_post',
      prompt: 'none',
      client_id: platform.clientId,
      redirect_uri: `${h.url}/lti/1.3/launch`,
      login_hint: 'student-1',
    })
    const [name, value] = [...browser.cookies][0]!
    expect(name).toMatch(/^lti13_state_/)
    expect(state.startsWith(`${value}.`)).toBe(true)
  })

  it('accepts the initiation as a form post too', async () => {
    const res = await fetch(`${h.url}/lti/1.3/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        iss: platform.issuer,
        login_hint: 'student-1',
        target_link_uri: `${h.url}/lti/1.3/launch`,
      }),
      redirect: 'manual',
    })
    expect(res.status).toBe(302)
    expect(res.headers.get('set-cookie')).toMatch(/SameSite=None; Secure; Partitioned/)
  })

  it('refuses an unknown issuer, a missing parameter and a target elsewhere, and says why', async () => {
    const base = { iss: platform.issuer, login_hint: 'u', target_link_uri: `${h.url}/lti/1.3/launch` }
    const get = (p: Record<string, string>) =>
      fetch(`${h.url}/lti/1.3/login?${new URLSearchParams(p)}`, { redirect: 'manual' })
    const stranger = await get({ ...base, iss: 'https://evil.example' })
    expect(stranger.status).toBe(400)
    expect(await stranger.text()).toContain('no LMS is registered with issuer https://evil.example')
    const missing = await get({ iss: platform.issuer, login_hint: 'u' })
    expect(missing.status).toBe(400)
    expect(await missing.text()).toContain('lacks target_link_uri')
    const open = await get({ ...base, target_link_uri: 'https://evil.example/steal' })
    expect(open.status).toBe(400)
    expect(open.headers.get('location')).toBeNull()
  })
})

describe('LTI 1.3 launches', () => {
  it('lands the learner in their session, signed in, named from the claims', async () => {
    const { res } = await fullLaunch('student-1', { given_name: 'Ada', family_name: 'Lovelace' })
    expect(res.status).toBe(303)
    const location = res.headers.get('location')!
    expect(location).toMatch(/^\/workshops\/session\/[\w-]+\/activate\/\?token=/)
    expect(res.headers.get('set-cookie')).toMatch(/^lti13_state_[\w-]+=; .*Max-Age=0/)
    const browser = new CookieClient()
    expect((await browser.get(`${h.url}${location}`)).status).toBe(302)
    const session = /session\/([\w-]+)\//.exec(location)![1]!
    expect((await h.lg.deps.store.getSession(session))?.owner).toBe('moodle:student-1')
    expect(await h.lg.deps.store.getUser('moodle:student-1')).toMatchObject({
      email: 'ada@example.org',
      firstName: 'Ada',
      lastName: 'Lovelace',
    })
  })

  it('signs another browser in to the same session on a later launch', async () => {
    const first = await fullLaunch('student-2')
    const location = first.res.headers.get('location')!
    expect((await new CookieClient().get(`${h.url}${location}`)).status).toBe(302)
    const again = await fullLaunch('student-2')
    expect(again.res.status).toBe(303)
    const session = /session\/([\w-]+)\//.exec(location)![1]!
    expect(again.res.headers.get('location')).toBe(`/workshops/session/${session}/`)
    const signIn = again.res.headers.getSetCookie().find((c) => c.startsWith('labgate_auth='))
    expect(signIn).toBeDefined()
    const dashboard = await fetch(`${h.url}/workshops/session/${session}/`, {
      headers: { cookie: signIn!.split(';')[0]! },
      redirect: 'manual',
    })
    expect(dashboard.status).not.toBe(401)
    expect(dashboard.headers.get('location') ?? '').not.toContain('/login')
  })

  it('takes the lab from ?lab= on the target link when no custom claim names it', async () => {
    const { res } = await fullLaunch('student-3', {
      'https://purl.imsglobal.org/spec/lti/claim/custom': {},
      'https://purl.imsglobal.org/spec/lti/claim/target_link_uri': `${h.url}/lti/1.3/launch?lab=course-only`,
      'https://purl.imsglobal.org/spec/lti/claim/context': { id: 'c-202' },
    })
    expect(res.status).toBe(303)
  })
})

describe('LTI 1.3 attacks', () => {
  it('refuses a replayed launch', async () => {
    const l = await login()
    // What an attacker who saw the launch holds: its form and the browser's state cookie as it was.
    const captured = new CookieClient()
    for (const [k, v] of l.browser.cookies) captured.cookies.set(k, v)
    const idToken = await platform.idToken({ sub: 'student-4', nonce: l.nonce, at: Date.now() })
    expect((await launch(l.browser, { id_token: idToken, state: l.state })).status).toBe(303)
    // The launch cleared the cookie in the browser it came from: that browser cannot post it again.
    expect([...l.browser.cookies.keys()].some((k) => k.startsWith('lti13_state_'))).toBe(false)
    const replay = await launch(captured, { id_token: idToken, state: l.state })
    expect(replay.status).toBe(401)
    expect(await replay.text()).toContain('used already')
  })

  it('refuses a token signed by a key the platform never published', async () => {
    const l = await login()
    const key = await FakeLtiPlatform.strangerKey()
    const idToken = await platform.idToken({ sub: 'mallory', nonce: l.nonce, at: Date.now(), key })
    const res = await launch(l.browser, { id_token: idToken, state: l.state })
    expect(res.status).toBe(401)
    expect(await res.text()).toContain('signature does not verify')
  })

  it('refuses a token for another tool', async () => {
    const l = await login()
    const idToken = await platform.idToken({
      sub: 'mallory',
      nonce: l.nonce,
      at: Date.now(),
      claims: { aud: 'another-tool' },
    })
    const res = await launch(l.browser, { id_token: idToken, state: l.state })
    expect(res.status).toBe(401)
    expect(await res.text()).toContain('not registered for client another-tool')
  })

  it('refuses an unlisted deployment', async () => {
    const l = await login()
    const idToken = await platform.idToken({
      sub: 'mallory',
      nonce: l.nonce,
      at: Date.now(),
      claims: { 'https://purl.imsglobal.org/spec/lti/claim/deployment_id': 'dep-rogue' },
    })
    const res = await launch(l.browser, { id_token: idToken, state: l.state })
    expect(res.status).toBe(401)
    expect(await res.text()).toContain('deployment &quot;dep-rogue&quot; is not registered')
  })

  it("refuses another browser's state, a made-up nonce and a stale token", async () => {
    const victim = await login()
    const attacker = await login()
    const idToken = await platform.idToken({ sub: 'mallory', nonce: attacker.nonce, at: Date.now() })
    // The attacker's launch posted from the victim's browser (login CSRF): the victim's browser has no
    // cookie for the attacker's state, so nobody is signed in; it may only start a login of its own.
    const csrf = await launch(victim.browser, { id_token: idToken, state: attacker.state })
    expect(csrf.status).toBe(200)
    expect(csrf.headers.getSetCookie().join()).not.toContain('labgate_auth')
    expect(await csrf.text()).toContain('/lti/1.3/login?')
    expect(await h.lg.deps.store.getUser('moodle:mallory')).toBeNull()
    const madeUp = await platform.idToken({ sub: 'mallory', nonce: 'guess', at: Date.now() })
    const nonce = await launch(victim.browser, { id_token: madeUp, state: victim.state })
    expect(nonce.status).toBe(401)
    const stale = await platform.idToken({ sub: 'mallory', nonce: victim.nonce, at: Date.now() - 600_000 })
    expect((await launch(victim.browser, { id_token: stale, state: victim.state })).status).toBe(401)
  })

  it('refuses a lab outside the permissions, and a launch without a token', async () => {
    const { res } = await fullLaunch('student-5', {
      'https://purl.imsglobal.org/spec/lti/claim/custom': { lab: 'course-only' },
    })
    expect(res.status).toBe(403)
    expect(await res.text()).toContain('course')
    const none = await launch(new CookieClient(), { state: 'x' })
    expect(none.status).toBe(400)
    const notForm = await fetch(`${h.url}/lti/1.3/launch`, { method: 'POST', body: '{}' })
    expect(notForm.status).toBe(415)
  })

  it('shows the error a platform answers with', async () => {
    const res = await launch(new CookieClient(), {
      error: 'login_required',
      error_description: 'not signed in',
    })
    expect(res.status).toBe(401)
    expect(await res.text()).toContain('not signed in')
  })

  it('audits every login and launch with its outcome and reason', async () => {
    const records = await h.lg.db.audit.list({})
    const launches = records.filter((r) => r.kind === 'lti13.launch')
    const reasons = launches.filter((r) => r.outcome === 'refused').map((r) => r.reason)
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^replayed/),
        expect.stringMatching(/^bad_signature/),
        expect.stringMatching(/not registered for client another-tool/),
        expect.stringMatching(/^unlisted_deployment/),
        'no_state_cookie',
        'nonce_mismatch',
        expect.stringMatching(/^too_old|^expired/),
        expect.stringMatching(/course/),
        expect.stringMatching(/login_required/),
      ]),
    )
    expect(launches.filter((r) => r.outcome === 'ok').map((r) => r.userId)).toContain('moodle:student-1')
    const logins = records.filter((r) => r.kind === 'lti13.login')
    expect(logins.some((r) => r.outcome === 'ok' && r.lms === 'moodle')).toBe(true)
    expect(logins.some((r) => r.outcome === 'refused' && r.data.iss === 'https://evil.example')).toBe(true)
  })
})

describe('the tool keys', () => {
  const jwks = async () =>
    ((await (await fetch(`${h.url}/lti/1.3/jwks`)).json()) as { keys: Record<string, string>[] }).keys

  it('publishes its RS256 public keys; a rotation adds the new key and keeps the old one', async () => {
    const before = await jwks()
    expect(before).toHaveLength(1)
    expect(before[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' })
    expect(before[0]).not.toHaveProperty('d')
    const out: string[] = []
    const log = vi.spyOn(console, 'log').mockImplementation((m: string) => void out.push(m))
    try {
      const where = h.database ? ['--database', h.database] : ['--data', h.data]
      expect(await ltiKeys([...where, '--rotate'])).toBe(0)
    } finally {
      log.mockRestore()
    }
    const after = await jwks()
    expect(after.map((k) => k.kid)).toEqual([expect.any(String), before[0]!.kid])
    expect(out[0]).toBe(`new active key ${after[0]!.kid}`)
    expect(out.slice(1)).toEqual([`${after[0]!.kid}  active`, `${before[0]!.kid}  retired, still published`])
  })

  it('says what is missing instead of creating a data directory', async () => {
    await expect(ltiKeys([])).rejects.toThrow('lti-keys needs --data')
    await expect(ltiKeys(['--data', `${h.data}/nowhere`])).rejects.toThrow('holds no labgate database')
  })
})
