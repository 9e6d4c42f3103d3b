/**
 * LTI 1.1 grade passback end to end: a learner launched from an LMS with an outcome service finishes the
 * workshop from the dashboard, and the LMS's outcome service (a stand-in that verifies the signature)
 * receives `replaceResult` 1.0 in the background, retried after a failure, every attempt audited. A
 * session ended by anyone but its learner passes nothing back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signLaunch } from '../../src/lms/lti11/index.js'
import { FakeOutcomeService } from '../lms/fake-outcome-service.js'
import { CookieClient, eventually, startHarness, type Harness } from '../harness.js'

let h: Harness
let outcomes: FakeOutcomeService
const CREDS = { key: 'moodle-key', secret: 'moodle-secret-0123456789' }

beforeAll(async () => {
  outcomes = await new FakeOutcomeService(CREDS).start()
  h = await startHarness({
    backend: 'fake',
    workshops: [{ name: 'shell', capacity: 6, reserved: 0 }],
    lms: [{ name: 'moodle', lti11: CREDS, labs: [{ id: 'intro', workshop: 'shell' }] }],
  })
})
afterAll(async () => {
  await h?.close()
  await outcomes?.close()
})

let n = 0
/** Launches `user` with an outcome service (sourcedId `src-<user>`), signs the browser in to the dashboard. */
async function launch(user: string) {
  const url = `${h.url}/lti/1.1/launch`
  const form = signLaunch(
    url,
    {
      lti_message_type: 'basic-lti-launch-request',
      lti_version: 'LTI-1p0',
      resource_link_id: 'rl-1',
      user_id: user,
      roles: 'Learner',
      context_id: 'c-101',
      custom_lab: 'intro',
      lis_outcome_service_url: outcomes.serviceUrl,
      lis_result_sourcedid: `src-${user}`,
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
  const browser = new CookieClient()
  let r = await browser.get(`${h.url}${location}`)
  let at = `${h.url}${location}`
  for (let i = 0; i < 10 && (r.status === 302 || r.status === 303); i++) {
    at = new URL(r.headers.get('location')!, at).toString()
    if (!at.startsWith(h.url)) break
    r = await browser.get(at)
  }
  expect(browser.cookies.has('labgate_session')).toBe(true)
  return { name, browser }
}

/** The dashboard's "Finish workshop" button. */
async function finish(s: { name: string; browser: CookieClient }) {
  const cookie = [...s.browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  const res = await fetch(`${h.url}/sessions/${s.name}/_labgate/terminate`, {
    method: 'POST',
    headers: { cookie, 'x-requested-with': 'fetch' },
  })
  expect(res.status).toBe(200)
  return res
}

const attempts = async (session: string) =>
  (await h.lg.db.audit.list({ lms: 'moodle' })).filter(
    (r) => r.kind === 'lti11.outcome' && r.data.session === session,
  )

describe('LTI 1.1 grade passback', () => {
  it("sends replaceResult 1.0 for the learner's sourcedId when they finish, once", async () => {
    const ada = await launch('ada')
    expect(await h.lg.db.grades.get(ada.name)).toMatchObject({
      target: { kind: 'lti11', serviceUrl: outcomes.serviceUrl, sourcedId: 'src-ada' },
      passback: null,
    })
    await finish(ada)
    await eventually('the grade at the LMS', async () =>
      outcomes.grades.find((g) => g.sourcedId === 'src-ada'),
    )
    expect(outcomes.grades.filter((g) => g.sourcedId === 'src-ada')).toEqual([
      { sourcedId: 'src-ada', score: '1.0' },
    ])
    const audit = await eventually('the audit record', async () => (await attempts(ada.name))[0])
    expect(audit).toMatchObject({
      userId: 'moodle:ada',
      course: 'c-101',
      lab: 'intro',
      outcome: 'ok',
      data: { attempt: 1, score: 1 },
    })
    await eventually(
      'the passback done',
      async () => (await h.lg.db.grades.get(ada.name))?.passback === 'done',
    )
    // finishing again (a second click) ends nothing and sends nothing
    const again = await fetch(`${h.url}/sessions/${ada.name}/_labgate/terminate`, {
      method: 'POST',
      headers: {
        cookie: [...ada.browser.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        'x-requested-with': 'fetch',
      },
    })
    expect(again.status).toBeLessThan(500)
    await new Promise((r) => setTimeout(r, 300))
    expect(outcomes.grades.filter((g) => g.sourcedId === 'src-ada')).toHaveLength(1)
  })

  it('retries after the outcome service failed, and audits both attempts', async () => {
    const bob = await launch('bob')
    outcomes.failures.push(500)
    await finish(bob)
    await eventually('the grade after a retry', async () =>
      outcomes.grades.find((g) => g.sourcedId === 'src-bob'),
    )
    const records = await eventually('both attempts audited', async () => {
      const r = await attempts(bob.name)
      return r.length === 2 && r
    })
    expect(records.map((r) => [r.outcome, r.reason, r.data.attempt])).toEqual([
      ['failed', 'outcome service answered 500', 1],
      ['ok', null, 2],
    ])
    expect(records[1]!.at - records[0]!.at).toBeGreaterThanOrEqual(900) // the first retry waits 1 s
    expect(records[0]!.data.retryAt).toEqual(expect.any(String))
  })

  it('keeps a pending passback across a restart and delivers it after', async () => {
    const dee = await launch('dee')
    outcomes.failures.push(500)
    await finish(dee)
    await eventually('the first attempt failed', async () => (await attempts(dee.name)).length === 1)
    await h.restart() // before the retry, due 1 s after the failure
    await eventually('the grade after the restart', async () =>
      outcomes.grades.find((g) => g.sourcedId === 'src-dee'),
    )
    const records = await eventually('both attempts audited', async () => {
      const r = await attempts(dee.name)
      return r.length === 2 && r
    })
    expect(records.map((r) => [r.outcome, r.data.attempt])).toEqual([
      ['failed', 1],
      ['ok', 2],
    ])
  })

  it('passes nothing back when the session is ended by someone else (the robot, through the API)', async () => {
    const cy = await launch('cy')
    const robot = await h.token()
    const res = await fetch(`${h.url}/workshops/session/${cy.name}/terminate/`, {
      headers: { authorization: `Bearer ${robot}` },
    })
    expect(res.status).toBe(200)
    await new Promise((r) => setTimeout(r, 300))
    expect(outcomes.grades.some((g) => g.sourcedId === 'src-cy')).toBe(false)
    expect((await h.lg.db.grades.get(cy.name))?.passback).toBeNull()
  })
})
