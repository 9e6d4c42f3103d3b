/**
 * AGS 2.0 grade passback end to end against FakeLtiPlatform: a learner whose LTI 1.3 launch carried an
 * AGS line item finishes from the dashboard, and labgate gets a service token with a client assertion the
 * platform verifies against the tool's JWKS (`/lti/1.3/jwks`), then posts a Completed/FullyGraded score to
 * the line item; a failing platform is retried, every attempt audited as `ags.score`.
 */
import { httpLaunch } from '../lms/lti13-http-launch.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FakeLtiPlatform } from '../lms/fake-lti-platform.js'
import { eventually, startHarness, type Harness } from '../harness.js'

let h: Harness
let platform: FakeLtiPlatform

beforeAll(async () => {
  platform = await new FakeLtiPlatform().start()
  h = await startHarness({
    backend: 'fake',
    workshops: [{ name: 'shell', capacity: 6, reserved: 0 }],
    lms: [
      {
        name: 'canvas',
        lti13: { ...platform.registration, authUrl: `${platform.url}/auth`, tokenUrl: platform.tokenUrl },
        labs: [{ id: 'intro-shell', workshop: 'shell' }],
      },
    ],
  })
  platform.trustTool(`${h.url}/lti/1.3/jwks`)
})
afterAll(async () => {
  await h?.close()
  await platform?.close()
})

/** `sub`'s LTI 1.3 launch with `claims` (the AGS endpoint claim, or none), signed in to their dashboard. */
async function launch(sub: string, claims: Record<string, unknown>) {
  const { res, browser } = await httpLaunch(platform, h.url, sub, claims)
  expect(res.status).toBe(303)
  const location = res.headers.get('location')!
  const name = /session\/([\w-]+)\//.exec(location)![1]!
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
    const s = await launch('sub-1', platform.agsClaim('li-1'))
    expect(await h.lg.db.grades.get(s.name)).toMatchObject({
      lmsUserId: 'sub-1',
      target: { kind: 'ags', lineitem: platform.lineitem('li-1') },
    })
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
      lab: 'intro-shell',
      outcome: 'ok',
      data: { attempt: 1, score: 1, lineitem: platform.lineitem('li-1'), status: 200 },
    })
  })

  it('reuses the service token, and retries when the platform fails', async () => {
    const s = await launch('sub-2', platform.agsClaim('li-2'))
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

  it('passes nothing back for a launch without a line item, or without the score scope', async () => {
    const plain = await launch('sub-3', {})
    const readOnly = await launch('sub-4', {
      'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint': {
        scope: ['https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly'],
        lineitem: platform.lineitem('li-4'),
      },
    })
    expect(await h.lg.db.grades.get(plain.name)).toBeNull()
    expect(await h.lg.db.grades.get(readOnly.name)).toBeNull()
    expect((await plain.finish()).status).toBe(200)
    expect((await readOnly.finish()).status).toBe(200)
    await new Promise((r) => setTimeout(r, 300))
    expect(platform.scores.some((x) => x.body.userId === 'sub-3' || x.body.userId === 'sub-4')).toBe(false)
  })
})
