/**
 * Launches of labs that live on a remote lab system: an LTI 1.1 launch (the test plays Moodle) gives the
 * learner a session of the lab's workshop on the `remote` backend, whose start reserves the laboratory on
 * the system over gateway4labs' HTTP plug-in protocol; the session's page sends the learner to the
 * `load_url` it answered, and the lab's `timeAllowed` caps the session. A failing system gives a page that
 * names it and says why. Both are audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signLaunch } from '../../src/lms/lti11/index.js'
import { CookieClient, startHarness, type Harness } from '../harness.js'
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
          { id: 'pendulum', remote: { system: 'physics-lab', laboratory: 'pendulum-1' }, timeAllowed: '10m' },
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
  it('reserves the laboratory in a session of its own and sends the learner to its load_url', async () => {
    const res = await post(launchForm('pendulum', 'u-1'))
    expect(res.status).toBe(303)
    // Straight to the lab system's page: an LMS may frame it, where labgate's sign-in would not be seen.
    expect(res.headers.get('location')).toBe(`${physics.url}/lab/r-1`)
    expect(physics.reserves).toEqual([
      {
        laboratory_id: 'pendulum-1',
        username: 'moodle:u-1',
        institution: 'moodle',
        general_configuration_str: '{}',
        particular_configurations: [],
        request_payload: {},
        user_properties: {},
        back: 'https://moodle.example.edu/course/view.php?id=101',
      },
    ])
    expect(physics.seen.at(-1)).toMatchObject({ contextId: 'labgate-1', authorized: true })
    expect(await (await fetch(res.headers.get('location')!)).text()).toContain('The pendulum')
    const [session] = await h.lg.deps.store.listSessions({ owner: 'moodle:u-1' })
    expect(session).toMatchObject({
      state: 'RUNNING',
      handle: { backend: 'remote', system: 'physics-lab', reservationId: 'r-1' },
    })
    // timeAllowed 10m caps the session, which the workshop would keep an hour.
    expect(session!.expiresAt! - session!.activatedAt!).toBe(600_000)
    const records = await h.lg.db.audit.list({ lms: 'moodle' })
    expect(records.find((r) => r.kind === 'remote.reserve')).toMatchObject({
      outcome: 'ok',
      userId: 'moodle:u-1',
      course: 'c-101',
      lab: 'pendulum',
      data: { system: 'physics-lab', laboratory: 'pendulum-1', reservation: 'r-1', session: session!.name },
    })
    expect(records.find((r) => r.kind === 'lti11.launch')).toMatchObject({
      outcome: 'ok',
      data: { session: session!.name, browser: { userAgent: expect.stringContaining('Firefox') } },
    })
    // Launching again re-attaches to the reservation: nothing more is asked of the system.
    const again = await post(launchForm('pendulum', 'u-1'))
    expect(again.status).toBe(303)
    expect(again.headers.get('location')).toBe(`${physics.url}/lab/r-1`)
    expect(physics.reserves).toHaveLength(1)
    // Through the Educates API too: the session's page sends its owner to the lab system's page.
    const env = (await h.lg.deps.store.listEnvironments({ portal: h.lg.deps.portal.name })).find(
      (e) => e.settings.workshop.remote?.system === 'physics-lab',
    )!
    const requested = await fetch(
      `${h.url}/workshops/environment/${env.name}/request/?index_url=${encodeURIComponent(`${h.url}/`)}&user=bob`,
      { headers: { authorization: `Bearer ${await h.token()}` } },
    )
    expect(requested.status).toBe(200)
    const { url } = (await requested.json()) as { url: string }
    const browser = new CookieClient()
    const activated = await browser.get(`${h.url}${url}`)
    expect(activated.status).toBe(302)
    const back = await browser.get(`${h.url}${activated.headers.get('location')}`)
    expect(back.headers.get('location')).toBe(`${physics.url}/lab/r-2`)
    expect(physics.reserves.at(-1)).toMatchObject({ username: 'bob', institution: h.lg.deps.portal.name })
    const stranger = await new CookieClient().get(`${h.url}/workshops/session/${session!.name}/`)
    expect(stranger.headers.get('location') ?? '').not.toContain(physics.url)
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
      data: { system: 'chem-lab', laboratory: 'pendulum-1' },
    })
    const sessions = await h.lg.deps.store.listSessions({ owner: 'moodle:u-2' })
    expect(sessions.map((x) => x.state).every((st) => st === 'STOPPING' || st === 'STOPPED')).toBe(true)
    const launches = await h.lg.db.audit.list({ lms: 'moodle' })
    expect(launches.filter((r) => r.kind === 'lti11.launch' && r.outcome === 'failed')).toHaveLength(2)
  })
})
