/**
 * LTI 1.1 launches as an LMS signs them (the test plays Moodle): a learner lands in their session signed
 * in; a replayed, tampered, stale or unpermitted launch is refused with a page that says why; every
 * launch is in the audit trail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signLaunch } from '../../src/lms/lti11/index.js'
import { CookieClient, startHarness, type Harness } from '../harness.js'

let h: Harness
const CREDS = { key: 'moodle-key', secret: 'moodle-secret-0123456789' }

beforeAll(async () => {
  h = await startHarness({
    backend: 'fake',
    workshops: [{ name: 'shell', reserved: 1 }],
    lms: [
      {
        name: 'moodle',
        lti11: CREDS,
        labs: [
          { id: 'intro', workshop: 'shell' },
          { id: 'course-only', workshop: 'shell', courses: [{ contextId: 'c-101' }] },
        ],
      },
    ],
  })
})
afterAll(async () => h?.close())

let n = 0
/** A launch form as Moodle posts it, signed now (or at `at`, seconds) with `creds`. */
function launchForm(
  o: { user?: string; lab?: string; course?: string; at?: number; creds?: typeof CREDS } = {},
) {
  const url = `${h.url}/lti/1.1/launch`
  const pairs = signLaunch(
    url,
    {
      lti_message_type: 'basic-lti-launch-request',
      lti_version: 'LTI-1p0',
      resource_link_id: 'rl-1',
      user_id: o.user ?? 'u-1',
      roles: 'Learner',
      context_id: o.course ?? 'c-999',
      lis_person_name_given: 'Ada',
      lis_person_name_family: 'Lovelace',
      lis_person_contact_email_primary: 'ada@example.org',
      custom_lab: o.lab ?? 'intro',
      tool_consumer_info_product_family_code: 'moodle',
    },
    o.creds ?? CREDS,
    { timestamp: o.at ?? Math.floor(Date.now() / 1000), nonce: `nonce-${++n}-${Math.random()}` },
  )
  return new URLSearchParams(pairs)
}

const post = (body: URLSearchParams) =>
  fetch(`${h.url}/lti/1.1/launch`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
    redirect: 'manual',
  })

describe('LTI 1.1 launches', () => {
  it('lands the learner in their session, signed in, and again in the same one', async () => {
    const res = await post(launchForm())
    expect(res.status).toBe(303)
    const location = res.headers.get('location')!
    expect(location).toMatch(/^\/workshops\/session\/[\w-]+\/activate\/\?token=/)
    const browser = new CookieClient()
    const activated = await browser.get(`${h.url}${location}`)
    expect(activated.status).toBe(302)
    expect(browser.cookies.size).toBeGreaterThan(0)
    const session = /session\/([\w-]+)\//.exec(location)![1]!
    expect((await h.lg.deps.store.getSession(session))?.owner).toBe('moodle:u-1')
    const user = await h.lg.deps.store.getUser('moodle:u-1')
    expect(user).toMatchObject({ email: 'ada@example.org', firstName: 'Ada', lastName: 'Lovelace' })
    const again = await post(launchForm())
    expect(again.headers.get('location')).toContain(`/workshops/session/${session}/`)
  })

  it('refuses a replay, a wrong secret, a stale timestamp and a lab outside the course, and says why', async () => {
    const form = launchForm({ user: 'u-2' })
    expect((await post(form)).status).toBe(303)
    const replay = await post(form)
    expect(replay.status).toBe(401)
    expect(await replay.text()).toContain('this launch was used already')
    const forged = await post(launchForm({ creds: { ...CREDS, secret: 'guessed' } }))
    expect(forged.status).toBe(401)
    const stranger = await post(launchForm({ creds: { key: 'nobody', secret: 'x' } }))
    expect(stranger.status).toBe(401)
    const stale = await post(launchForm({ at: Math.floor(Date.now() / 1000) - 3600 }))
    expect(stale.status).toBe(401)
    const tampered = launchForm({ user: 'u-3' })
    tampered.set('user_id', 'admin')
    expect((await post(tampered)).status).toBe(401)
    const elsewhere = await post(launchForm({ user: 'u-4', lab: 'course-only', course: 'c-202' }))
    expect(elsewhere.status).toBe(403)
    const allowed = await post(launchForm({ user: 'u-4', lab: 'course-only', course: 'c-101' }))
    expect(allowed.status).toBe(303)
    const unknown = await post(launchForm({ user: 'u-5', lab: 'no-such-lab' }))
    expect(unknown.status).toBe(403)
    expect(await h.lg.deps.store.getUser('admin')).toBeNull()
  })

  it('audits every launch with its outcome and reason', async () => {
    const records = await h.lg.db.audit.list({ lms: 'moodle' })
    expect(records.length).toBeGreaterThanOrEqual(8)
    expect(records.every((r) => r.kind === 'lti11.launch')).toBe(true)
    const reasons = records.filter((r) => r.outcome === 'refused').map((r) => r.reason)
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^replayed/),
        expect.stringMatching(/^bad_signature/),
        expect.stringMatching(/^stale_timestamp/),
        expect.stringMatching(/course/),
      ]),
    )
    expect(records.filter((r) => r.outcome === 'ok').map((r) => r.userId)).toContain('moodle:u-1')
    const anonymous = await h.lg.db.audit.list({})
    expect(anonymous.some((r) => r.lms === null && r.data.consumerKey === 'nobody')).toBe(true)
  })
})
