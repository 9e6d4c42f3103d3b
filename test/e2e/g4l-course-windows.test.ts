/**
 * A lab's courses and their availability windows, as gateway4labs' LMS admin sets them (the test plays
 * the LMS plug-in and Moodle): grants from the config and grants an LMS admin saved (`grantCourse`)
 * merged, a saved grant replacing the config's of its course; windows read on the LMS's `timeZone` clock
 * (Europe/Madrid, an hour ahead of UTC, at a moment when the two are on different days); a launch outside
 * the windows refused with when the lab opens (a basic-HTTP `error:` text, an LTI 1.1 403 page), audited;
 * a revoked grant no longer lets its course in; a course's time allowed, capped by its lab's, caps the
 * session's expiry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { grantCourse, revokeCourse } from '../../src/lms/lms-admin/course-grants.js'
import { NOT_ENROLLED } from '../../src/lms/basic-http/messages.js'
import type { LmsAdminContext } from '../../src/lms/lms-admin/admin-context.js'
import { CookieClient, startHarness, type Harness } from '../harness.js'
import {
  adminContext,
  follow,
  lti11Form,
  postLti11,
  reserve,
  reserveText,
  sessionIn,
  TestClock,
} from '../lms/g4l-launches.js'

/** Wednesday 9 December 2026 23:30 UTC: Thursday 10 December 00:30 in Madrid (CET, UTC+1). */
const T0 = Date.UTC(2026, 11, 9, 23, 30)
const MINUTE = 60_000
const LOGIN = { username: 'moodle-g4l', password: 'g4l-password-0123456789' }
const CREDS = { key: 'moodle-key', secret: 'moodle-secret-0123456789' }
const ZONE = 'Europe/Madrid'

let h: Harness
let clock: TestClock
let admin: LmsAdminContext

beforeAll(async () => {
  clock = new TestClock(T0)
  h = await startHarness(
    {
      backend: 'fake',
      workshops: [{ name: 'shell', capacity: 20, reserved: 0, expires: '1h', deadline: '2h' }],
      lms: [
        {
          name: 'moodle',
          timeZone: ZONE,
          basicHttp: LOGIN,
          lti11: CREDS,
          labs: [
            {
              id: 'circuits',
              workshop: 'shell',
              timeAllowed: '30m',
              windows: [{ from: '2026-12-01', until: '2027-01-31' }], // term time
              courses: [
                // Thursdays until 08:00: open now in Madrid; on UTC's clock it is still Wednesday.
                {
                  contextId: 'c-night',
                  timeAllowed: '10m',
                  windows: [{ weekdays: [4], startTime: '00:00', endTime: '08:00' }],
                },
                // Wednesday evenings: open on UTC's clock (23:30), closed in Madrid (Thursday).
                {
                  contextId: 'c-evening',
                  priority: 5,
                  windows: [{ weekdays: [3], startTime: '18:00', endTime: '24:00' }],
                },
                // Mondays only here; the LMS admin's grant replaces it.
                { contextId: 'c-override', windows: [{ weekdays: [1] }] },
              ],
            },
            // Any course, once next term starts.
            { id: 'next-term', workshop: 'shell', windows: [{ from: '2027-02-01' }] },
          ],
        },
      ],
    },
    { clock },
  )
  admin = await adminContext(h, 'moodle', clock)
  await grantCourse(admin, { lab: 'circuits', course: 'c-store', courseName: 'Stored', minutes: '45' })
  await grantCourse(admin, {
    lab: 'circuits',
    course: 'c-later',
    courseName: 'Friday mornings',
    windows: 'Fri 10:00-12:00',
  })
  await grantCourse(admin, { lab: 'circuits', course: 'c-override', minutes: '5', windows: '' })
})
afterAll(async () => h?.close())

/** Opens `url` (an activation URL or entry link) in a new browser; returns the session's row after. */
async function enter(url: string) {
  const { res, url: at } = await follow(new CookieClient(), url)
  expect(res.status).toBe(200)
  const name = sessionIn(at)
  const s = (await h.lg.deps.store.getSession(name))!
  expect(s.activatedAt).not.toBeNull()
  return s
}

const SESSION_URL = new RegExp(`^http://127\\.0\\.0\\.1:\\d+/workshops/session/[\\w-]+/activate/\\?token=`)

describe('course windows of a gateway4labs LMS', () => {
  it('refuses a basic-HTTP reservation from a course closed now, saying when it opens on the LMS clock', async () => {
    const res = await reserve(h, LOGIN, { user: 'u-1', lab: 'circuits', courses: ['c-evening'] })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
    const text = await res.text()
    expect(text).toMatch(/^error: /)
    expect(text).not.toBe(NOT_ENROLLED)
    expect(text).toContain('closed now')
    expect(text).toContain('c-evening')
    expect(text).toContain(`opens Wednesday 16 December 2026 at 18:00 (${ZONE})`)
    expect(await h.lg.deps.store.getUser('moodle:u-1')).toBeNull()
    const refused = (await h.lg.db.audit.list({ lms: 'moodle' })).filter(
      (r) => r.kind === 'basic_http.request' && r.userId === 'moodle:u-1',
    )
    expect(refused).toHaveLength(1)
    expect(refused[0]).toMatchObject({ outcome: 'refused', lab: 'circuits', course: 'c-evening' })
    expect(refused[0]!.reason).toMatch(/closed now.*c-evening.*Wednesday 16 December 2026 at 18:00/)
  })

  it('gives the same user a session from a course open now, capped at the time the course is allowed', async () => {
    const url = await reserveText(h, LOGIN, { user: 'u-1', lab: 'circuits', courses: ['c-night'] })
    expect(url).toMatch(SESSION_URL)
    const s = await enter(url)
    expect(s.owner).toBe('moodle:u-1')
    expect(s.timeAllowed).toBe(600)
    expect(s.expiresAt).toBe(s.activatedAt! + 10 * MINUTE) // not the workshop's hour, nor the lab's 30m
    const ok = (await h.lg.db.audit.list({ lms: 'moodle' })).find(
      (r) => r.kind === 'basic_http.request' && r.userId === 'moodle:u-1' && r.outcome === 'ok',
    )
    expect(ok).toMatchObject({ lab: 'circuits', data: { session: s.name, timeAllowed: 600 } })
  })

  it('lets a user of a closed and an open course in through the open one', async () => {
    const url = await reserveText(h, LOGIN, {
      user: 'u-2',
      lab: 'circuits',
      courses: ['c-evening', 'c-night'],
    })
    expect(url).toMatch(SESSION_URL)
    expect((await enter(url)).timeAllowed).toBe(600)
  })

  it("caps a saved grant's time allowed at the lab's, and lets a saved grant replace the config's", async () => {
    const stored = await enter(
      await reserveText(h, LOGIN, { user: 'u-3', lab: 'circuits', courses: ['c-store'] }),
    )
    expect(stored.timeAllowed).toBe(30 * 60) // the course's 45 minutes, within the lab's 30
    expect(stored.expiresAt).toBe(stored.activatedAt! + 30 * MINUTE)
    // The config opens c-override on Mondays only (this is a Thursday); the saved grant always, 5 minutes.
    const overridden = await enter(
      await reserveText(h, LOGIN, { user: 'u-4', lab: 'circuits', courses: ['c-override'] }),
    )
    expect(overridden.timeAllowed).toBe(5 * 60)
    expect(overridden.expiresAt).toBe(overridden.activatedAt! + 5 * MINUTE)
  })

  it("says when a saved grant's window opens, and when a lab's own windows open", async () => {
    const later = await reserveText(h, LOGIN, { user: 'u-5', lab: 'circuits', courses: ['c-later'] })
    expect(later).toMatch(/^error: .*closed now/)
    expect(later).toContain(`opens Friday 11 December 2026 at 10:00 (${ZONE})`)
    const term = await reserveText(h, LOGIN, { user: 'u-5', lab: 'next-term', courses: ['c-any'] })
    expect(term).toMatch(/^error: .*closed now/)
    expect(term).toContain(`opens Monday 1 February 2027 at 00:00 (${ZONE})`)
    expect(await h.lg.deps.store.getUser('moodle:u-5')).toBeNull()
  })

  it('refuses an LTI 1.1 launch outside the windows with a 403 page that says when the lab opens', async () => {
    const res = await postLti11(
      h,
      lti11Form(h, clock, CREDS, { user: 'u-6', lab: 'circuits', course: 'c-evening' }),
    )
    expect(res.status).toBe(403)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    const page = await res.text()
    expect(page).toContain('Lab closed now')
    expect(page).toContain(`Wednesday 16 December 2026 at 18:00 (${ZONE})`)
    const term = await postLti11(h, lti11Form(h, clock, CREDS, { user: 'u-6', lab: 'next-term' }))
    expect(term.status).toBe(403)
    expect(await term.text()).toContain(`Monday 1 February 2027 at 00:00 (${ZONE})`)
    const refused = (await h.lg.db.audit.list({ lms: 'moodle' })).filter(
      (r) => r.kind === 'lti11.launch' && r.userId === 'moodle:u-6',
    )
    expect(refused.map((r) => [r.outcome, r.lab])).toEqual([
      ['refused', 'circuits'],
      ['refused', 'next-term'],
    ])
    expect(refused[0]!.reason).toContain('Wednesday 16 December 2026 at 18:00')
    // The same learner from the course open now lands in a session.
    const open = await postLti11(
      h,
      lti11Form(h, clock, CREDS, { user: 'u-6', lab: 'circuits', course: 'c-night' }),
    )
    expect(open.status).toBe(303)
    const s = await enter(new URL(open.headers.get('location')!, h.url).toString())
    expect(s).toMatchObject({ owner: 'moodle:u-6', timeAllowed: 600 })
    expect(s.expiresAt).toBe(s.activatedAt! + 10 * MINUTE)
  })

  it('lets a course in no longer once its grant is revoked', async () => {
    await grantCourse(admin, { lab: 'circuits', course: 'c-revoked', courseName: 'Soon gone' })
    const first = await reserveText(h, LOGIN, { user: 'u-7', lab: 'circuits', courses: ['c-revoked'] })
    expect(first).toMatch(SESSION_URL)
    await revokeCourse(admin, 'circuits', 'c-revoked')
    expect((await h.lg.db.lmsGateway.listCourseGrants('moodle', 'circuits')).map((g) => g.course)).toEqual([
      'c-later',
      'c-override',
      'c-store',
    ])
    // Not even back to the session it holds, nor anyone else of the course.
    for (const user of ['u-7', 'u-8'])
      expect(await reserveText(h, LOGIN, { user, lab: 'circuits', courses: ['c-revoked'] })).toBe(
        NOT_ENROLLED,
      )
    const lti = await postLti11(
      h,
      lti11Form(h, clock, CREDS, { user: 'u-8', lab: 'circuits', course: 'c-revoked' }),
    )
    expect(lti.status).toBe(403)
    expect(await lti.text()).toContain('Lab not available')
    const records = await h.lg.db.audit.list({ lms: 'moodle' })
    expect(records.some((r) => r.kind === 'lms_admin.course.revoke' && r.course === 'c-revoked')).toBe(true)
    const refused = records.filter(
      (r) => r.kind === 'basic_http.request' && r.lab === 'circuits' && r.course === 'c-revoked',
    )
    expect(refused.filter((r) => r.outcome === 'refused').map((r) => r.userId)).toEqual(
      expect.arrayContaining(['moodle:u-7', 'moodle:u-8']),
    )
  })
})
