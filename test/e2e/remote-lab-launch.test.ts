/**
 * Launches of labs that live on a remote lab system: an LTI 1.1 launch (the test plays Moodle) makes labgate
 * reserve the laboratory on the system, over gateway4labs' HTTP plug-in protocol, and send the learner to
 * the `load_url` it answered; a failing system gives a page that names it and says why. Both are audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signLaunch } from '../../src/lms/lti11/index.js'
import { startHarness, type Harness } from '../harness.js'
import { FakeRemoteLabSystem } from '../lms/fake-remote-lab-system.js'

let h: Harness
let physics: FakeRemoteLabSystem
let chemistry: FakeRemoteLabSystem
const CREDS = { key: 'moodle-key', secret: 'moodle-secret-0123456789' }

beforeAll(async () => {
  physics = await new FakeRemoteLabSystem().start()
  chemistry = await new FakeRemoteLabSystem().start()
  h = await startHarness({
    backend: 'fake',
    workshops: [{ name: 'shell' }],
    remoteLabs: [physics.system('physics-lab'), chemistry.system('chem-lab')],
    lms: [
      {
        name: 'moodle',
        lti11: CREDS,
        labs: [
          { id: 'pendulum', remote: { system: 'physics-lab', laboratory: 'pendulum-1' } },
          { id: 'titration', remote: { system: 'chem-lab', laboratory: 'pendulum-1' } },
        ],
      },
    ],
  })
})
afterAll(async () => {
  await h?.close()
  await physics?.stop()
  await chemistry?.stop()
})

let n = 0
/** A launch of `lab` as Moodle posts it, signed now. */
function launchForm(lab: string, user: string) {
  const pairs = signLaunch(
    `${h.url}/lti/1.1/launch`,
    {
      lti_message_type: 'basic-lti-launch-request',
      lti_version: 'LTI-1p0',
      resource_link_id: 'rl-7',
      user_id: user,
      roles: 'Learner',
      context_id: 'c-101',
      custom_lab: lab,
      launch_presentation_return_url: 'https://moodle.example.edu/course/view.php?id=101',
    },
    CREDS,
    { timestamp: Math.floor(Date.now() / 1000), nonce: `nonce-${++n}-${Math.random()}` },
  )
  return new URLSearchParams(pairs)
}

const post = (body: URLSearchParams) =>
  fetch(`${h.url}/lti/1.1/launch`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0',
      referer: 'https://moodle.example.edu/mod/lti/launch.php?id=7',
    },
    body,
    redirect: 'manual',
  })

describe('launching a remote lab', () => {
  it('reserves the laboratory on its system and sends the learner to its load_url', async () => {
    const res = await post(launchForm('pendulum', 'u-1'))
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`${physics.url}/lab/r-1`)
    expect(physics.reserves).toEqual([
      {
        laboratory_id: 'pendulum-1',
        username: 'moodle:u-1',
        institution: 'moodle',
        general_configuration_str: '{}',
        particular_configurations: [],
        request_payload: {},
        user_properties: {
          user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0',
          from_ip: '127.0.0.1',
          referer: 'https://moodle.example.edu/mod/lti/launch.php?id=7',
        },
        back: 'https://moodle.example.edu/course/view.php?id=101',
      },
    ])
    expect(physics.seen.at(-1)).toMatchObject({ contextId: 'labgate-1', authorized: true })
    const page = await fetch(res.headers.get('location')!)
    expect(await page.text()).toContain('The pendulum')
    const records = await h.lg.db.audit.list({ lms: 'moodle' })
    expect(records.find((r) => r.kind === 'remote.reserve')).toMatchObject({
      outcome: 'ok',
      userId: 'moodle:u-1',
      course: 'c-101',
      lab: 'pendulum',
      data: { system: 'physics-lab', laboratory: 'pendulum-1', reservation: 'r-1' },
    })
    expect(records.find((r) => r.kind === 'lti11.launch')).toMatchObject({
      outcome: 'ok',
      data: { system: 'physics-lab', reservation: 'r-1' },
    })
    expect(await h.lg.deps.store.listSessions({ owner: 'moodle:u-1' })).toEqual([])
  })

  it('answers a page naming the failing system and why, audited as failed', async () => {
    chemistry.misbehave.reserve = 'http_500'
    const res = await post(launchForm('titration', 'u-2'))
    expect(res.status).toBe(502)
    const text = await res.text()
    expect(text).toContain('Lab system failed')
    expect(text).toContain(
      'remote lab system chem-lab answered HTTP 500 to reserve: Internal Server Error: the lab controller is offline',
    )
    chemistry.misbehave.reserve = 'wrong_shape'
    const shape = await post(launchForm('titration', 'u-2'))
    expect(shape.status).toBe(502)
    expect(await shape.text()).toContain('chem-lab answered reserve with JSON the protocol does not allow')
    const failed = (await h.lg.db.audit.list({ lms: 'moodle' })).filter(
      (r) => r.kind === 'remote.reserve' && r.outcome === 'failed',
    )
    expect(failed).toHaveLength(2)
    expect(failed[0]).toMatchObject({
      userId: 'moodle:u-2',
      lab: 'titration',
      reason: expect.stringContaining('chem-lab answered HTTP 500'),
      data: { system: 'chem-lab', error: 'http_error', status: 500 },
    })
    const launches = await h.lg.db.audit.list({ lms: 'moodle' })
    expect(launches.filter((r) => r.kind === 'lti11.launch' && r.outcome === 'failed')).toHaveLength(2)
  })
})
