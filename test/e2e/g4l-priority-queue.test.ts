/**
 * The queue of a full lab for LMS users (the test plays the gateway4labs plug-in and Moodle): a workshop
 * with one place; a learner who finds it taken is answered a waiting page's URL (basic-HTTP) or sent to
 * it (LTI 1.1), not the Educates API's 503. Waiters are served by their course's priority, then by
 * arrival; only the head of the queue takes a freed place, when its page asks; a waiter whose page has
 * not asked for 30 s no longer holds anyone up. The queue's steps are in the audit trail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HOLDS_CAPACITY } from '../../src/domain/session-states.js'
import { CookieClient, eventually, startHarness, type Harness } from '../harness.js'
import {
  follow,
  lti11Form,
  postLti11,
  reserve,
  reserveText,
  sessionIn,
  TestClock,
} from '../lms/g4l-launches.js'

const LOGIN = { username: 'moodle-g4l', password: 'g4l-password-0123456789' }
const CREDS = { key: 'moodle-key', secret: 'moodle-secret-0123456789' }

let h: Harness
let clock: TestClock
let token: string
let environment: string

beforeAll(async () => {
  clock = new TestClock()
  h = await startHarness(
    {
      backend: 'fake',
      workshops: [{ name: 'shell', capacity: 1, reserved: 0, initial: 0 }],
      lms: [
        {
          name: 'moodle',
          basicHttp: LOGIN,
          lti11: CREDS,
          labs: [
            {
              id: 'lab',
              workshop: 'shell',
              courses: [
                { contextId: 'low', priority: 1 },
                { contextId: 'high', priority: 5 },
              ],
            },
          ],
        },
      ],
    },
    { clock },
  )
  token = await h.token()
  const envs = await h.lg.deps.store.listEnvironments({ portal: h.lg.deps.portal.name, states: ['RUNNING'] })
  expect(envs).toHaveLength(1)
  environment = envs[0]!.name
})
afterAll(async () => h?.close())

type Status =
  | { state: 'waiting'; position: number; lab: string }
  | { state: 'served'; location: string }
  | { state: 'ended'; message: string }

const WAIT_URL = () => new RegExp(`^${h.url}/labmanager/wait/\\?w=([\\w-]{16,64})$`)
/** Waiters' ids by learner. */
const waiter: Record<string, string> = {}
/** Sessions by learner. */
const session: Record<string, string> = {}

/** What a waiter's page is told when it asks (which keeps it in the queue, and serves it at its turn). */
async function status(who: string): Promise<Status> {
  const res = await fetch(`${h.url}/labmanager/wait/status?w=${waiter[who]!}`)
  expect(res.status).toBe(200)
  expect(res.headers.get('cache-control')).toBe('no-store')
  return (await res.json()) as Status
}

/** Reserves the lab for `who` from `course`; returns the answer's text (a session's URL or a wait URL). */
async function reserveAs(who: string, course: string): Promise<string> {
  return reserveText(h, LOGIN, { user: who, lab: 'lab', courses: [course], fullName: `${who} Learner` })
}

/** Ends the session of `who` as the robot does through the Educates API, and waits for its place to free. */
async function free(who: string): Promise<void> {
  const name = session[who]!
  const res = await fetch(`${h.url}/workshops/session/${name}/terminate/`, {
    headers: { authorization: `Bearer ${token}` },
  })
  expect(res.status).toBe(200)
  await eventually(`the place of ${who} to free`, async () => {
    const s = await h.lg.deps.store.getSession(name)
    return !s || !HOLDS_CAPACITY.includes(s.state)
  })
}

const holding = (who: string) => h.lg.deps.store.findHoldingSession(`moodle:${who}`, environment)

/** Follows a served waiter's location into its session; returns the session's name. */
async function enterServed(who: string, location: string): Promise<string> {
  const { res, url } = await follow(new CookieClient(), location)
  expect(res.status).toBe(200)
  const name = sessionIn(url)
  expect(await res.text()).toContain(name)
  const s = (await h.lg.deps.store.getSession(name))!
  expect(s.owner).toBe(`moodle:${who}`)
  expect(s.activatedAt).not.toBeNull()
  return name
}

describe('the queue of a full lab', () => {
  it('gives the only place to the first learner', async () => {
    const url = await reserveAs('X', 'low')
    expect(url).toMatch(/\/workshops\/session\/[\w-]+\/activate\/\?token=/)
    session.X = sessionIn(url)
    expect((await holding('X'))?.name).toBe(session.X)
  })

  it('answers the next learners a waiting page, not a 503, and ranks them by priority', async () => {
    const a = await reserve(h, LOGIN, { user: 'A', lab: 'lab', courses: ['low'] })
    expect(a.status).toBe(200)
    const aText = await a.text()
    expect(aText).toMatch(WAIT_URL())
    waiter.A = WAIT_URL().exec(aText)![1]!
    const bText = await reserveAs('B', 'high')
    expect(bText).toMatch(WAIT_URL())
    waiter.B = WAIT_URL().exec(bText)![1]!
    expect(waiter.B).not.toBe(waiter.A)
    // Asking again while waiting keeps the learner's place (and the same waiter).
    expect(await reserveAs('A', 'low')).toBe(aText)
    expect(await status('B')).toMatchObject({ state: 'waiting', position: 1 })
    expect(await status('A')).toMatchObject({ state: 'waiting', position: 2 })
    expect(await holding('A')).toBeNull()
    expect(await holding('B')).toBeNull()
    // The waiting page itself, as its learner's browser opens it.
    const page = await fetch(`${h.url}/labmanager/wait/?w=${waiter.A}`, { redirect: 'manual' })
    expect(page.status).toBe(200)
    expect(await page.text()).toMatch(/id="position">2</)
  })

  it('serves a freed place to the head of the queue only, when its page asks', async () => {
    await free('X')
    // A asks first: it is not the head (B's priority is higher), so it takes nothing.
    expect(await status('A')).toMatchObject({ state: 'waiting', position: 2 })
    expect(await holding('A')).toBeNull()
    const b = await status('B')
    expect(b.state).toBe('served')
    const location = (b as { location: string }).location
    expect(location.startsWith(`${h.url}/workshops/session/`)).toBe(true)
    session.B = await enterServed('B', location)
    // The lab is full again: A is now first, and still waits.
    expect(await status('A')).toMatchObject({ state: 'waiting', position: 1 })
    expect(await holding('A')).toBeNull()
    // B's waiting page opened again (a reload) leads into B's session by a single-use entry link.
    const again = await fetch(`${h.url}/labmanager/wait/?w=${waiter.B}`, { redirect: 'manual' })
    expect(again.status).toBe(303)
    expect(again.headers.get('location')).toMatch(new RegExp(`^${h.url}/labmanager/enter/\\?ticket=`))
  })

  it('serves the next waiter when the place frees again', async () => {
    await free('B')
    const a = await status('A')
    expect(a.state).toBe('served')
    session.A = await enterServed('A', (a as { location: string }).location)
    expect((await holding('A'))?.name).toBe(session.A)
  })

  it('sends an LTI 1.1 launch to the waiting page, and lets a waiter whose page stopped asking hold no one up', async () => {
    const c = await postLti11(h, lti11Form(h, clock, CREDS, { user: 'C', lab: 'lab', course: 'high' }))
    expect(c.status).toBe(303)
    const where = c.headers.get('location')!
    expect(where).toMatch(/^\/labmanager\/wait\/\?w=[\w-]{16,64}$/)
    waiter.C = new URL(where, h.url).searchParams.get('w')!
    waiter.D = WAIT_URL().exec(await reserveAs('D', 'low'))![1]!
    expect(await status('C')).toMatchObject({ state: 'waiting', position: 1 })
    expect(await status('D')).toMatchObject({ state: 'waiting', position: 2 })
    // C's page stops asking; 31 s later D asks, and is first.
    clock.advance(31_000)
    expect(await status('D')).toMatchObject({ state: 'waiting', position: 1 })
    await free('A')
    const d = await status('D')
    expect(d.state).toBe('served')
    session.D = await enterServed('D', (d as { location: string }).location)
    expect(await holding('C')).toBeNull()
  })

  it('records every queued and served waiter with its priority', async () => {
    const records = (await h.lg.db.audit.list({ lms: 'moodle' })).filter((r) => r.kind === 'lms.queue')
    const steps = records.map((r) => [r.data.step, r.userId, r.data.priority, r.outcome])
    expect(steps).toEqual([
      ['queued', 'moodle:A', 1, 'ok'],
      ['queued', 'moodle:B', 5, 'ok'],
      ['served', 'moodle:B', 5, 'ok'],
      ['served', 'moodle:A', 1, 'ok'],
      ['queued', 'moodle:C', 5, 'ok'],
      ['queued', 'moodle:D', 1, 'ok'],
      ['served', 'moodle:D', 1, 'ok'],
    ])
    expect(records.find((r) => r.data.step === 'served' && r.userId === 'moodle:B')?.data).toMatchObject({
      waiter: waiter.B,
      session: session.B,
    })
    expect(records.every((r) => r.lab === 'lab')).toBe(true)
    // Every launch that found the lab full was answered, none refused as unavailable.
    const launches = (await h.lg.db.audit.list({ lms: 'moodle' })).filter(
      (r) => r.kind === 'basic_http.request' || r.kind === 'lti11.launch',
    )
    expect(launches.filter((r) => r.outcome !== 'ok')).toEqual([])
    // Each launch that waited is in its protocol's trail too, naming its waiter.
    const queued = launches.filter((r) => r.data.queued === true)
    for (const who of ['A', 'B'] as const)
      expect(queued.some((r) => r.userId === `moodle:${who}` && r.data.waiter === waiter[who])).toBe(true)
  })
})
