/**
 * An LMS lab's `timeAllowed` caps the session it launches (the test plays Moodle, signing LTI 1.1
 * launches): the course's cap when it is tighter than the lab's, the lab's otherwise, the workshop's own
 * expiry without one. The Educates API's schedule and the dashboard show the capped expiry, and extension
 * stops at the cap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signLaunch } from '../../src/lms/lti11/index.js'
import { CookieClient, startHarness, type Harness } from '../harness.js'

let h: Harness
let token: string
const auth = () => ({ authorization: `Bearer ${token}` })
const CREDS = { key: 'moodle-key', secret: 'moodle-secret-0123456789' }
const MINUTE = 60_000

beforeAll(async () => {
  h = await startHarness({
    backend: 'fake',
    workshops: [{ name: 'shell', reserved: 1, expires: '10m', overtime: '5m', deadline: '30m' }],
    lms: [
      {
        name: 'moodle',
        lti11: CREDS,
        labs: [
          {
            id: 'capped',
            workshop: 'shell',
            timeAllowed: '2m',
            courses: [{ contextId: 'c-short', timeAllowed: '1m' }, { contextId: 'c-long' }],
          },
          { id: 'twelve', workshop: 'shell', timeAllowed: '12m' },
          { id: 'free', workshop: 'shell' },
        ],
      },
    ],
  })
  token = await h.token()
})
afterAll(async () => h?.close())

let n = 0
/** Launches `lab` from `course` as `user`, activates the session in a new browser; returns its row. */
async function launch(user: string, lab: string, course = 'c-long') {
  const url = `${h.url}/lti/1.1/launch`
  const pairs = signLaunch(
    url,
    {
      lti_message_type: 'basic-lti-launch-request',
      lti_version: 'LTI-1p0',
      resource_link_id: `rl-${lab}`,
      user_id: user,
      roles: 'Learner',
      context_id: course,
      custom_lab: lab,
    },
    CREDS,
    { timestamp: Math.floor(Date.now() / 1000), nonce: `nonce-${++n}-${Math.random()}` },
  )
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(pairs),
    redirect: 'manual',
  })
  expect(res.status).toBe(303)
  const location = res.headers.get('location')!
  const name = /session\/([\w-]+)\//.exec(location)![1]!
  const browser = new CookieClient()
  if (location.includes('/activate/')) expect((await browser.get(`${h.url}${location}`)).status).toBe(302)
  const s = (await h.lg.deps.store.getSession(name))!
  expect(s.activatedAt).not.toBeNull()
  return { s, browser }
}

const api = async (name: string, op: 'schedule' | 'extend') =>
  (await (await fetch(`${h.url}/workshops/session/${name}/${op}/`, { headers: auth() })).json()) as {
    expires: string
    countdown: number
    extendable: boolean
    extended?: boolean
  }

/** The dashboard page as its owner's browser gets it, signed in through the portal. */
async function dashboardExpires(browser: CookieClient, name: string): Promise<string> {
  let res = await browser.get(`${h.url}/sessions/${name}/`)
  for (let hops = 0; hops < 5 && res.status >= 300 && res.status < 400; hops++) {
    const next = new URL(res.headers.get('location')!, h.url)
    res = await browser.get(next.toString())
  }
  expect(res.status).toBe(200)
  return /data-expires="([^"]*)"/.exec(await res.text())![1]!
}

describe('timeAllowed of an LMS lab', () => {
  it("caps the session at the course's timeAllowed when tighter than the lab's", async () => {
    const { s, browser } = await launch('u-short', 'capped', 'c-short')
    expect(s.timeAllowed).toBe(60)
    expect(s.expiresAt).toBe(s.activatedAt! + MINUTE)
    const schedule = await api(s.name, 'schedule')
    expect(Date.parse(schedule.expires)).toBe(s.expiresAt)
    expect(schedule.countdown).toBeLessThanOrEqual(60)
    expect(schedule.extendable).toBe(false)
    const extend = await api(s.name, 'extend')
    expect(extend.extended).toBe(false)
    expect((await h.lg.deps.store.getSession(s.name))!.expiresAt).toBe(s.expiresAt)
    expect(await dashboardExpires(browser, s.name)).toBe(new Date(s.expiresAt!).toISOString())
  })

  it("caps the session at the lab's timeAllowed for a course without its own", async () => {
    const { s } = await launch('u-long', 'capped', 'c-long')
    expect(s.timeAllowed).toBe(120)
    expect(s.expiresAt).toBe(s.activatedAt! + 2 * MINUTE)
    expect((await api(s.name, 'extend')).extended).toBe(false)
    expect((await h.lg.deps.store.getSession(s.name))!.expiresAt).toBe(s.expiresAt)
  })

  it('extends a session up to its cap, never past it', async () => {
    const { s } = await launch('u-twelve', 'twelve')
    expect(s.timeAllowed).toBe(720)
    expect(s.expiresAt).toBe(s.activatedAt! + 10 * MINUTE) // the workshop's expiry comes first
    // Move the session near its expiry (the row is the truth): 9m50s in, 10 s left.
    const now = Date.now()
    const startedAt = now - 590_000
    await h.lg.deps.store.updateSession(s.name, { startedAt, expiresAt: now + 10_000 })
    const extended = await api(s.name, 'extend')
    expect(extended.extended).toBe(true)
    expect(Date.parse(extended.expires)).toBe(startedAt + 12 * MINUTE) // not expiresAt + 5m
    expect(extended.extendable).toBe(false)
    const again = await api(s.name, 'extend')
    expect(again.extended).toBe(false)
    expect(Date.parse(again.expires)).toBe(startedAt + 12 * MINUTE)
  })

  it("keeps the workshop's expiry for a lab without timeAllowed", async () => {
    const { s } = await launch('u-free', 'free')
    expect(s.timeAllowed).toBe(0)
    expect(s.expiresAt).toBe(s.activatedAt! + 10 * MINUTE)
    expect(Date.parse((await api(s.name, 'schedule')).expires)).toBe(s.expiresAt)
  })

  it("applies a tighter cap when a later launch re-attaches to the learner's session", async () => {
    const first = await launch('u-both', 'free')
    expect(first.s.expiresAt).toBe(first.s.activatedAt! + 10 * MINUTE)
    const again = await launch('u-both', 'capped', 'c-short')
    expect(again.s.name).toBe(first.s.name)
    expect(again.s).toMatchObject({ timeAllowed: 60, expiresAt: first.s.startedAt! + MINUTE })
    expect(Date.parse((await api(first.s.name, 'schedule')).expires)).toBe(first.s.startedAt! + MINUTE)
  })
})
