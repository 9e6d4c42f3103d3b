/**
 * Deep Linking 2.0 over HTTP, with a fake platform (FakeLtiPlatform) playing the LMS: a teacher's
 * deep-linking request gets the picker of the labs their course may use; the pick comes back as a signed
 * LtiDeepLinkingResponse that the platform verifies against labgate's JWKS. A learner's request, a
 * tampered or reused pick and a lab the course may not use are refused, and everything is audited.
 */
import { httpLaunch } from '../lms/lti13-http-launch.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FakeLtiPlatform } from '../lms/fake-lti-platform.js'
import { startHarness, type Harness } from '../harness.js'

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
          { id: 'advanced-shell', workshop: 'shell' },
          { id: 'course-only', workshop: 'shell', courses: [{ contextId: 'c-202' }] },
        ],
      },
    ],
  })
  platform.connectTool(h.url)
  platform.trustTool(`${h.url}/lti/1.3/jwks`)
})
afterAll(async () => {
  await h?.close()
  await platform?.close()
})

/** A complete login and launch by `sub` with `claims`: the launch's response. */
const launch = async (sub: string, claims: Record<string, unknown>) =>
  (await httpLaunch(platform, h.url, sub, claims)).res

/** The picker a teacher gets: its HTML and its pick token. */
async function picker(claims = platform.deepLinkingClaims({ data: 'opaque-data' })) {
  const res = await launch('teacher-1', claims)
  expect(res.status).toBe(200)
  const page = await res.text()
  return { res, page, token: /name="pick" value="([^"]+)"/.exec(page)![1]! }
}

const pick = (fields: [string, string][]) =>
  fetch(`${h.url}/lti/1.3/deep-link`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  })

/** What the answer page posts to the platform: the form's action and its JWT. */
function answerForm(page: string) {
  return {
    action: /<form id="send" method="post" action="([^"]+)"/.exec(page)![1]!,
    jwt: /name="JWT" value="([^"]+)"/.exec(page)![1]!,
  }
}

/** Posts the answer as the browser would; the platform's verdict. */
async function deliver(page: string) {
  const { action, jwt } = answerForm(page)
  const res = await fetch(action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ JWT: jwt }),
  })
  expect(await res.text()).toBe('content items received')
  return platform.deepLinkResponses.at(-1)!
}

const ITEMS = 'https://purl.imsglobal.org/spec/lti-dl/claim/content_items'

describe('Deep Linking 2.0', () => {
  it('lists the labs the course may use, in a form without script', async () => {
    const { res, page } = await picker()
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/)
    expect(page).toContain('value="intro-shell"')
    expect(page).toContain('value="advanced-shell"')
    expect(page).not.toContain('course-only')
    expect(page).toContain('Workshop shell')
    expect(page).toContain('type="radio"')
    expect(page).not.toContain('<script')
  })

  it('answers a pick with a response the platform verifies, carrying the lab', async () => {
    const { token } = await picker()
    const res = await pick([
      ['pick', token],
      ['lab', 'intro-shell'],
    ])
    expect(res.status).toBe(200)
    const csp = res.headers.get('content-security-policy')!
    expect(csp).toContain(`form-action ${platform.url}`)
    expect(csp).toMatch(/script-src 'nonce-[\w-]+'/)
    const page = await res.text()
    expect(answerForm(page).action).toBe(platform.deepLinkReturnUrl)
    const verdict = await deliver(page)
    expect(verdict.error).toBeNull()
    expect(verdict.payload).toMatchObject({
      iss: platform.clientId,
      aud: platform.issuer,
      'https://purl.imsglobal.org/spec/lti-dl/claim/data': 'opaque-data',
      'https://purl.imsglobal.org/spec/lti/claim/deployment_id': platform.deploymentId,
    })
    expect(verdict.payload![ITEMS]).toEqual([
      {
        type: 'ltiResourceLink',
        title: 'Workshop shell',
        url: `${h.url}/lti/1.3/launch?lab=intro-shell`,
        custom: { lab: 'intro-shell' },
      },
    ])
  })

  it('answers several labs where the platform takes several, and none on cancel', async () => {
    const many = await picker(platform.deepLinkingClaims({ acceptMultiple: true }))
    expect(many.page).toContain('type="checkbox"')
    const res = await pick([
      ['pick', many.token],
      ['lab', 'intro-shell'],
      ['lab', 'advanced-shell'],
    ])
    const verdict = await deliver(await res.text())
    expect((verdict.payload![ITEMS] as { custom: { lab: string } }[]).map((i) => i.custom.lab)).toEqual([
      'intro-shell',
      'advanced-shell',
    ])
    const one = await picker()
    const cancel = await pick([
      ['pick', one.token],
      ['cancel', '1'],
    ])
    expect((await deliver(await cancel.text())).payload![ITEMS]).toEqual([])
  })

  it('refuses a reused, a tampered and a forged pick', async () => {
    const { token } = await picker()
    expect(
      (
        await pick([
          ['pick', token],
          ['lab', 'intro-shell'],
        ])
      ).status,
    ).toBe(200)
    const again = await pick([
      ['pick', token],
      ['lab', 'intro-shell'],
    ])
    expect(again.status).toBe(400)
    expect(await again.text()).toContain('sent already')

    const fresh = (await picker()).token
    const [payload, mac] = fresh.split('.')
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>
    const changed = Buffer.from(
      JSON.stringify({ ...claims, returnUrl: 'https://evil.example/steal' }),
    ).toString('base64url')
    const tampered = await pick([
      ['pick', `${changed}.${mac}`],
      ['lab', 'intro-shell'],
    ])
    expect(tampered.status).toBe(400)
    expect(await tampered.text()).toContain('changed or forged')
    const forged = await pick([
      ['pick', 'made.up'],
      ['lab', 'intro-shell'],
    ])
    expect(forged.status).toBe(400)
    // The untouched token still works: a refused pick does not use it up.
    const ok = await pick([
      ['pick', fresh],
      ['lab', 'intro-shell'],
    ])
    expect(ok.status).toBe(200)
  })

  it('refuses a lab the course may not use, and two labs where the platform takes one', async () => {
    const { token } = await picker()
    const outside = await pick([
      ['pick', token],
      ['lab', 'course-only'],
    ])
    expect(outside.status).toBe(403)
    expect(await outside.text()).toContain('course-only')
    const two = await pick([
      ['pick', token],
      ['lab', 'intro-shell'],
      ['lab', 'advanced-shell'],
    ])
    expect(two.status).toBe(400)
  })

  it('gives learners the lab of a picked link', async () => {
    const { token } = await picker()
    const verdict = await deliver(
      await (
        await pick([
          ['pick', token],
          ['lab', 'advanced-shell'],
        ])
      ).text(),
    )
    const [item] = verdict.payload![ITEMS] as { url: string; custom: Record<string, string> }[]
    const res = await launch('student-7', {
      'https://purl.imsglobal.org/spec/lti/claim/target_link_uri': item!.url,
      'https://purl.imsglobal.org/spec/lti/claim/custom': item!.custom,
    })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toMatch(/^\/workshops\/session\/[\w-]+\/activate\//)
    const records = await h.lg.db.audit.list({})
    expect(records.at(-1)).toMatchObject({ kind: 'lti13.launch', outcome: 'ok', lab: 'advanced-shell' })
  })

  it('refuses a request for content other than resource links', async () => {
    const res = await launch('teacher-1', platform.deepLinkingClaims({ acceptTypes: ['file', 'html'] }))
    expect(res.status).toBe(400)
    expect(await res.text()).toContain('does not take LTI resource links')
  })

  it("refuses a learner's deep-linking request", async () => {
    const res = await launch('student-1', {
      ...platform.deepLinkingClaims(),
      'https://purl.imsglobal.org/spec/lti/claim/roles': [
        'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner',
      ],
    })
    expect(res.status).toBe(403)
    expect(await res.text()).not.toContain('name="pick"')
  })

  it('audits requests, answers and refusals as lti13.deep_link', async () => {
    const records = (await h.lg.db.audit.list({})).filter((r) => r.kind === 'lti13.deep_link')
    expect(records.some((r) => r.outcome === 'ok' && r.data.step === 'request')).toBe(true)
    expect(
      records.some(
        (r) =>
          r.outcome === 'ok' &&
          r.data.step === 'response' &&
          r.lab === 'intro-shell' &&
          r.userId === 'moodle:teacher-1' &&
          r.course === 'c-101',
      ),
    ).toBe(true)
    const refusals = records.filter((r) => r.outcome === 'refused').map((r) => r.reason)
    expect(refusals).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^replayed/),
        expect.stringMatching(/^bad_signature/),
        expect.stringMatching(/course-only/),
        expect.stringMatching(/Only a teacher/),
      ]),
    )
    expect(records.find((r) => r.outcome === 'refused' && r.userId === 'moodle:student-1')).toBeDefined()
  })
})
