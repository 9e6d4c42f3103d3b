import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../domain/clock.js'
import { launchRole, splitRoles } from './roles.js'
import { signLaunch, signRequest } from './sign.js'
import { verifyLaunch, type LaunchRequest } from './verify-launch.js'
import type { VerifyOptions } from './verify-request.js'

const URL_ = 'https://labgate.example/lti/1.1/launch'
const CREDS = { key: 'moodle-key', secret: 's3cret' }
const clock = new ManualClock() // 2026-01-01T00:00:00Z
const NOW = clock.now() / 1000
const opts = (c = clock): VerifyOptions => ({
  clock: c,
  secretFor: (key) => (key === CREDS.key ? CREDS.secret : undefined),
})

const LAUNCH = {
  lti_message_type: 'basic-lti-launch-request',
  lti_version: 'LTI-1p0',
  resource_link_id: 'rl-1',
  user_id: 'u-42',
  roles: 'urn:lti:role:ims/lis/Instructor,Learner',
  context_id: 'c-101',
  context_title: 'Intro to shells',
  lis_person_name_full: 'Zoë Ñúñez',
  lis_person_name_given: 'Zoë',
  lis_person_name_family: 'Ñúñez',
  lis_person_contact_email_primary: 'zoe@example.edu',
  custom_lab: 'intro-shell',
  lis_outcome_service_url: 'https://lms.example/mod/lti/service.php',
  lis_result_sourcedid: '{"data":{"instanceid":"1","userid":"42"}}',
  launch_presentation_return_url: 'https://lms.example/course/view.php?id=2',
  tool_consumer_info_product_family_code: 'moodle',
}

let n = 0
const signed = (
  params: Record<string, string | string[]> | [string, string][] = LAUNCH,
  { url = URL_, creds = CREDS, timestamp = NOW } = {},
) => signLaunch(url, params, creds, { timestamp, nonce: `nonce-${++n}` })

const post = (form: [string, string][], over: Partial<LaunchRequest> = {}): LaunchRequest => ({
  method: 'POST',
  url: URL_,
  form,
  ...over,
})

const reason = (req: LaunchRequest, o = opts()) => {
  const v = verifyLaunch(req, o)
  return v.ok ? 'ok' : v.reason
}

const replace = (form: [string, string][], name: string, value: string): [string, string][] =>
  form.map(([k, v]) => [k, k === name ? value : v])

describe('verifyLaunch', () => {
  it('accepts a signed launch and reads it into a typed launch with its single-use key', () => {
    const form = signed()
    const v = verifyLaunch(post(form), opts())
    if (!v.ok) throw new Error(`refused: ${v.reason} ${v.detail}`)
    expect(v.launch).toEqual({
      consumerKey: 'moodle-key',
      userId: 'u-42',
      role: 'instructor',
      roles: ['urn:lti:role:ims/lis/Instructor', 'Learner'],
      resourceLinkId: 'rl-1',
      context: { id: 'c-101', title: 'Intro to shells' },
      person: { fullName: 'Zoë Ñúñez', givenName: 'Zoë', familyName: 'Ñúñez', email: 'zoe@example.edu' },
      lab: 'intro-shell',
      outcome: { serviceUrl: LAUNCH.lis_outcome_service_url, sourcedId: LAUNCH.lis_result_sourcedid },
      returnUrl: LAUNCH.launch_presentation_return_url,
      productFamily: 'moodle',
    })
    const nonce = Object.fromEntries(form).oauth_nonce
    expect(v.replay).toEqual({
      consumerKey: 'moodle-key',
      nonce,
      timestamp: NOW,
      expiresAt: (NOW + 300) * 1000,
    })
  })

  it('does not stop a replay by itself: the same form verifies twice with the same key to record', () => {
    const form = signed()
    const a = verifyLaunch(post(form), opts())
    const b = verifyLaunch(post(form), opts())
    expect(a.ok && b.ok && a.replay).toEqual(b.ok && b.replay)
    // The caller's single-use record is what refuses the second one.
    const seen = new Set<string>()
    const useOnce = (k: string) => (seen.has(k) ? false : (seen.add(k), true))
    expect([a, b].map((v) => v.ok && useOnce(`${v.replay.consumerKey}:${v.replay.nonce}`))).toEqual([
      true,
      false,
    ])
  })

  it('refuses tampered, added and removed parameters, a wrong secret and an unknown key', () => {
    const form = signed()
    expect(reason(post(replace(form, 'user_id', 'u-43')))).toBe('bad_signature')
    expect(reason(post(replace(form, 'roles', 'Instructor')))).toBe('bad_signature')
    expect(reason(post([...form, ['custom_extra', 'x']]))).toBe('bad_signature')
    expect(reason(post(form.filter(([k]) => k !== 'custom_lab')))).toBe('bad_signature')
    expect(reason(post(replace(form, 'oauth_signature', '')))).toBe('missing_param')
    expect(reason(post(signed(LAUNCH, { creds: { key: 'moodle-key', secret: 'guess' } })))).toBe(
      'bad_signature',
    )
    expect(reason(post(signed(LAUNCH, { creds: { key: 'other', secret: 's3cret' } })))).toBe('unknown_key')
    expect(reason(post(form, { url: 'https://labgate.example/lti/1.1/launch/other' }))).toBe('bad_signature')
  })

  it('accepts a timestamp within 300 s either way and refuses beyond', () => {
    const form = signed()
    const later = new ManualClock(clock.now())
    later.advance(300_000)
    expect(reason(post(form), opts(later))).toBe('ok')
    later.advance(1000)
    expect(reason(post(form), opts(later))).toBe('stale_timestamp')
    expect(reason(post(signed(LAUNCH, { timestamp: NOW + 300 })))).toBe('ok')
    expect(reason(post(signed(LAUNCH, { timestamp: NOW + 301 })))).toBe('future_timestamp')
    expect(reason(post(signed(LAUNCH, { timestamp: NOW - 86_400 })))).toBe('stale_timestamp')
    const narrow = { ...opts(later), windowSeconds: 60 }
    expect(reason(post(form), narrow)).toBe('stale_timestamp')
  })

  it('refuses a timestamp that is not a number even when signed', () => {
    const form = signRequest('POST', URL_, LAUNCH, CREDS, { timestamp: NaN, nonce: 'x' })
    expect(reason(post([...Object.entries(LAUNCH), ...form]))).toBe('bad_timestamp')
  })

  it('signs and verifies duplicate parameters, each value counted', () => {
    const params: [string, string][] = [...Object.entries(LAUNCH), ['custom_tag', 'b'], ['custom_tag', 'a']]
    const form = signed(params)
    expect(reason(post(form))).toBe('ok')
    const oneDropped = form.filter(([k, v]) => !(k === 'custom_tag' && v === 'a'))
    expect(reason(post(oneDropped))).toBe('bad_signature')
    // A parsed body that groups repeated names into an array gives the same pairs.
    const grouped = { ...Object.fromEntries(form), custom_tag: ['b', 'a'] }
    expect(reason(post([], { form: grouped }))).toBe('ok')
  })

  it('refuses repeated protocol parameters and repeated launch fields', () => {
    const form = signed()
    const nonce = Object.fromEntries(form).oauth_nonce ?? ''
    expect(reason(post([...form, ['oauth_nonce', nonce]]))).toBe('duplicate_param')
    expect(reason(post(signed([...Object.entries(LAUNCH), ['user_id', 'u-1']])))).toBe('duplicate_param')
  })

  it('signs non-ASCII values as their UTF-8 bytes', () => {
    const form = signed({ ...LAUNCH, context_title: 'Физика 101 — 物理 😀', custom_note: 'a+b=c&d' })
    const v = verifyLaunch(post(form), opts())
    expect(v.ok && v.launch.context?.title).toBe('Физика 101 — 物理 😀')
    expect(reason(post(replace(form, 'context_title', 'Физика 102 — 物理 😀')))).toBe('bad_signature')
  })

  it('verifies the query of the launch URL as signed parameters', () => {
    const url = `${URL_}?lab=intro-shell&x=1`
    const form = signed(LAUNCH, { url })
    expect(reason(post(form, { url }))).toBe('ok')
    expect(reason(post(form, { url: `${URL_}?lab=other&x=1` }))).toBe('bad_signature')
    expect(reason(post(form))).toBe('bad_signature')
  })

  it('normalises scheme, host case and default ports of the URL', () => {
    const form = signed(LAUNCH, { url: 'HTTPS://LabGate.Example:443/lti/1.1/launch' })
    expect(reason(post(form))).toBe('ok')
    expect(reason(post(form, { url: 'https://labgate.example:8443/lti/1.1/launch' }))).toBe('bad_signature')
  })

  it('drops the query for Canvas, which signs the form only and repeats the query in it', () => {
    const url = `${URL_}?lab=intro-shell`
    const canvas = { ...LAUNCH, tool_consumer_info_product_family_code: 'canvas', lab: 'intro-shell' }
    // Canvas's way: the query's parameters are in the form, and the URL signed without its query.
    const form = signed(canvas, { url: URL_ })
    expect(reason(post(form, { url }))).toBe('ok')
    // The same signing from a consumer that is not Canvas does not verify: there the query counts.
    const notCanvas = { ...canvas, tool_consumer_info_product_family_code: 'sakai' }
    expect(reason(post(signed(notCanvas, { url: URL_ }), { url }))).toBe('bad_signature')
  })

  it('believes X-Forwarded-Proto only when the proxy is trusted', () => {
    const form = signed() // signed for https://…
    const seen = 'http://labgate.example/lti/1.1/launch'
    expect(reason(post(form, { url: seen, forwardedProto: 'https', trustProxy: true }))).toBe('ok')
    expect(reason(post(form, { url: seen, forwardedProto: 'https', trustProxy: false }))).toBe(
      'bad_signature',
    )
    expect(reason(post(form, { url: seen, forwardedProto: 'https' }))).toBe('bad_signature')
    // A client claiming https to a tool that was reached over http is not believed either.
    const plain = signed(LAUNCH, { url: seen })
    expect(reason(post(plain, { url: seen, forwardedProto: 'https', trustProxy: false }))).toBe('ok')
  })

  it('refuses other signature methods and OAuth versions', () => {
    const form = signed()
    expect(reason(post(replace(form, 'oauth_signature_method', 'PLAINTEXT')))).toBe('unsupported_method')
    expect(reason(post(replace(form, 'oauth_signature_method', 'HMAC-SHA256')))).toBe('unsupported_method')
    expect(reason(post(replace(form, 'oauth_version', '2.0')))).toBe('bad_oauth_version')
    expect(reason(post(form.filter(([k]) => k !== 'oauth_nonce')))).toBe('missing_param')
    expect(reason(post(form.filter(([k]) => k !== 'oauth_consumer_key')))).toBe('missing_param')
  })

  it('refuses what is not a basic launch, another LTI version and missing launch fields', () => {
    expect(reason(post(signed(), { method: 'GET' }))).toBe('not_a_launch')
    expect(reason(post(signed({ ...LAUNCH, lti_message_type: 'ContentItemSelectionRequest' })))).toBe(
      'not_a_launch',
    )
    expect(reason(post(signed({ ...LAUNCH, lti_version: 'LTI-2p0' })))).toBe('bad_version')
    const { resource_link_id: _r, ...noLink } = LAUNCH
    expect(reason(post(signed(noLink)))).toBe('missing_param')
    const { user_id: _u, ...anonymous } = LAUNCH
    expect(reason(post(signed(anonymous)))).toBe('missing_param')
    expect(reason(post(signed(), { url: 'not a url' }))).toBe('bad_url')
  })

  it('leaves out an outcome without a sourced id and URLs that are not http(s)', () => {
    const v = verifyLaunch(
      post(
        signed({
          ...LAUNCH,
          lis_result_sourcedid: '',
          launch_presentation_return_url: 'javascript:alert(1)',
          context_id: '',
        }),
      ),
      opts(),
    )
    expect(v.ok && [v.launch.outcome, v.launch.returnUrl, v.launch.context]).toEqual([
      undefined,
      undefined,
      undefined,
    ])
  })
})

describe('roles', () => {
  it('maps LIS context roles to instructor or learner, least privilege otherwise', () => {
    const role = (r: string) => launchRole(splitRoles(r))
    expect(role('Instructor')).toBe('instructor')
    expect(role('urn:lti:role:ims/lis/Instructor')).toBe('instructor')
    expect(role('urn:lti:role:ims/lis/Instructor/TeachingAssistant')).toBe('instructor')
    expect(role('TeachingAssistant')).toBe('instructor')
    expect(role('Learner')).toBe('learner')
    expect(role('Student')).toBe('learner')
    expect(role('urn:lti:role:ims/lis/Learner')).toBe('learner')
    expect(role(' Learner , Mentor ')).toBe('learner')
    expect(role('')).toBe('learner')
    expect(role('urn:lti:instrole:ims/lis/Administrator,Learner')).toBe('learner')
    expect(role('urn:lti:sysrole:ims/lis/Administrator')).toBe('learner')
    expect(splitRoles('Learner,,Instructor')).toEqual(['Learner', 'Instructor'])
  })
})
