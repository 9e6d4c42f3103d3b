/**
 * AGS 2.0 grade passback end to end against FakeLtiPlatform: a learner whose launch carried an AGS line
 * item finishes from the dashboard, and labgate gets a service token with a client assertion the platform
 * verifies against the tool's keys, then posts a Completed/FullyGraded score to the line item; a failing
 * token endpoint is retried, every attempt audited as `ags.score`.
 *
 * The launch is an LTI 1.1 one whose grade target is then set to the line item, as an LTI 1.3 launch
 * sets it (`agsGradeTarget` of its AGS claim): the passback does not depend on the launch's protocol.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signLaunch } from '../../src/lms/lti11/index.js'
import { agsGradeTarget } from '../../src/lms/lti13/ags-score.js'
import { toolKeys } from '../../src/lms/lti13/tool-keys.js'
import { FakeLtiPlatform } from '../lms/fake-lti-platform.js'
import { CookieClient, eventually, startHarness, type Harness } from '../harness.js'

let h: Harness
let platform: FakeLtiPlatform
const CREDS = { key: 'canvas-key', secret: 'canvas-secret-0123456789' }

beforeAll(async () => {
  platform = await new FakeLtiPlatform().start()
  h = await startHarness({
    backend: 'fake',
    workshops: [{ name: 'shell', capacity: 6, reserved: 0 }],
    lms: [
      {
        name: 'canvas',
        lti11: CREDS,
        lti13: {
          ...platform.registration,
          authUrl: `${platform.url}/auth`,
          tokenUrl: platform.tokenUrl,
        },
        labs: [{ id: 'intro', workshop: 'shell' }],
      },
    ],
  })
  // The platform trusts the tool's keys as labgate keeps them (its JWKS, as /lti/1.3/jwks publishes it).
  const secret = Buffer.from((await h.lg.db.store.getSetting('server.key'))!, 'base64')
  platform.trustTool(await toolKeys({ store: h.lg.db.store, clock: h.lg.deps.clock, secret }).jwks())
})
afterAll(async () => {
  await h?.close()
  await platform?.close()
})

let n = 0
/** A learner `sub` launched with line item `lineitem`, signed in to their dashboard. */
async function launch(sub: string, lineitem: string) {
  const url = `${h.url}/lti/1.1/launch`
  const form = signLaunch(
    url,
    {
      lti_message_type: 'basic-lti-launch-request',
      lti_version: 'LTI-1p0',
      resource_link_id: 'rl-1',
      user_id: sub,
      roles: 'Learner',
      context_id: 'c-101',
      custom_lab: 'intro',
    },
    CREDS,
    { timestamp: Math.floor(Date.now() / 1000), nonce: `n-${++n}-${Math.random()}` },
  )
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
    redirect: 'manual',
  })
  expect(res.status).toBe(303)
  const location = res.headers.get('location')!
  const name = /session\/([\w-]+)\//.exec(location)![1]!
  const claim = platform.agsClaim(lineitem)['https://purl.imsglobal.org/spec/lti-ags/claim/endpoint']
  await h.lg.db.grades.saveTarget({
    session: name,
    lms: 'canvas',
    userId: `canvas:${sub}`,
    lmsUserId: sub,
    course: 'c-101',
    lab: 'intro',
    target: agsGradeTarget(claim)!,
    at: Date.now(),
  })
  const browser = new CookieClient()
  let at = `${h.url}${location}`
  let r = await browser.get(at)
  for (let i = 0; i < 10 && (r.status === 302 || r.status === 303); i++) {
    at = new URL(r.headers.get('location')!, at).toString()
    r = await browser.get(at)
  }
  expect(browser.cookies.has('labgate_session')).toBe(true)
  const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  return {
    name,
    finish: () =>
      fetch(`${h.url}/sessions/${name}/_labgate/terminate`, {
        method: 'POST',
        headers: { cookie, 'x-requested-with': 'fetch' },
      }),
  }
}

const attempts = async (session: string) =>
  (await h.lg.db.audit.list({ lms: 'canvas' })).filter(
    (r) => r.kind === 'ags.score' && r.data.session === session,
  )

describe('AGS 2.0 grade passback', () => {
  it("posts a Completed, FullyGraded score to the launch's line item when the learner finishes", async () => {
    const s = await launch('sub-1', 'li-1')
    expect((await s.finish()).status).toBe(200)
    const score = await eventually('the score at the platform', async () =>
      platform.scores.find((x) => x.body.userId === 'sub-1'),
    )
    expect(score).toEqual({
      lineitem: platform.lineitem('li-1'),
      contentType: 'application/vnd.ims.lis.v1.score+json',
      body: {
        userId: 'sub-1',
        scoreGiven: 1,
        scoreMaximum: 1,
        timestamp: expect.any(String),
        activityProgress: 'Completed',
        gradingProgress: 'FullyGraded',
      },
      status: 200,
    })
    expect(platform.tokenRequests).toEqual([
      {
        clientId: platform.clientId,
        scopes: ['https://purl.imsglobal.org/spec/lti-ags/scope/score'],
        status: 200,
      },
    ])
    const [record] = await eventually('the audit record', async () => {
      const r = await attempts(s.name)
      return r.length > 0 && r
    })
    expect(record).toMatchObject({
      userId: 'canvas:sub-1',
      course: 'c-101',
      lab: 'intro',
      outcome: 'ok',
      data: { attempt: 1, score: 1, lineitem: platform.lineitem('li-1'), status: 200 },
    })
  })

  it('reuses the service token, and retries when the platform fails', async () => {
    const s = await launch('sub-2', 'li-2')
    platform.scoreFailures.push(503)
    expect((await s.finish()).status).toBe(200)
    const records = await eventually('two attempts audited', async () => {
      const r = await attempts(s.name)
      return r.length === 2 && r
    })
    expect(records.map((r) => [r.outcome, r.reason])).toEqual([
      ['failed', 'line item answered 503'],
      ['ok', null],
    ])
    expect(platform.scores.filter((x) => x.body.userId === 'sub-2').map((x) => x.status)).toEqual([503, 200])
    expect(platform.tokenRequests).toHaveLength(1) // the first test's token, still fresh
  })
})
