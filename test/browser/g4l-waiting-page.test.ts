/**
 * The waiting page of a full lab in Chromium, as a learner of a gateway4labs LMS meets it: opened from the
 * URL the basic-HTTP reservation answered, it shows the learner's place in the queue and keeps it up to
 * date by itself (a learner of a course of higher priority goes ahead), and once a place is the learner's
 * it opens the lab by itself, landing signed in on the session's dashboard, all under the page's strict
 * CSP without a violation.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HOLDS_CAPACITY } from '../../src/domain/session-states.js'
import { eventually, startHarness, type Harness } from '../harness.js'
import { reserveText, sessionIn } from '../lms/g4l-launches.js'
import { launchChromium } from './chromium.js'

const LOGIN = { username: 'moodle-g4l', password: 'g4l-password-0123456789' }

let h: Harness
let browser: Browser
let token: string

beforeAll(async () => {
  h = await startHarness({
    backend: 'fake',
    workshops: [{ name: 'shell', capacity: 1, reserved: 0, initial: 0 }],
    lms: [
      {
        name: 'moodle',
        basicHttp: LOGIN,
        labs: [
          {
            id: 'circuits',
            workshop: 'shell',
            courses: [
              { contextId: 'low', priority: 1 },
              { contextId: 'high', priority: 5 },
            ],
          },
        ],
      },
    ],
  })
  token = await h.token()
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  await h?.close()
})

const reserveAs = (user: string, course: string) =>
  reserveText(h, LOGIN, { user, lab: 'circuits', courses: [course], fullName: `${user} Learner` })

/** Ends `session` through the Educates API and waits until its place is free. */
async function free(session: string): Promise<void> {
  const res = await fetch(`${h.url}/workshops/session/${session}/terminate/`, {
    headers: { authorization: `Bearer ${token}` },
  })
  expect(res.status).toBe(200)
  await eventually('the place to free', async () => {
    const s = await h.lg.deps.store.getSession(session)
    return !s || !HOLDS_CAPACITY.includes(s.state)
  })
}

describe('the waiting page in Chromium', () => {
  it('shows the place in the queue, keeps it current, and opens the lab by itself when a place is free', async () => {
    const first = sessionIn(await reserveAs('x', 'low'))
    const waitUrl = await reserveAs('ada', 'low')
    expect(waitUrl).toMatch(new RegExp(`^${h.url}/labmanager/wait/\\?w=[\\w-]+$`))

    const page: Page = await (await browser.newContext()).newPage()
    const csp: string[] = []
    const errors: string[] = []
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) csp.push(`${page.url()}: ${m.text()}`)
    })
    page.on('pageerror', (e) => errors.push(e.message))
    // Every document the tab asks for, redirects included.
    const navigations: string[] = []
    page.on('request', (r) => {
      if (r.isNavigationRequest() && r.frame() === page.mainFrame()) navigations.push(r.url())
    })
    await page.goto(waitUrl)
    expect(await page.title()).toContain('Waiting for a free lab')
    const position = page.locator('#position')
    expect(await position.innerText()).toBe('1')

    // A learner of a course of higher priority arrives: the page shows Ada second, without a reload.
    const grace = new URL(await reserveAs('grace', 'high')).searchParams.get('w')!
    await expect.poll(() => position.innerText(), { timeout: 8_000 }).toBe('2')
    expect(navigations).toEqual([waitUrl])

    // The first place frees: it is Grace's (her page asks for it), and Ada is first.
    await free(first)
    const served = await eventually('Grace served', async () => {
      const s = (await (await fetch(`${h.url}/labmanager/wait/status?w=${grace}`)).json()) as {
        state: string
        location?: string
      }
      return s.state === 'served' ? s.location! : null
    })
    const graceSession = sessionIn(served)
    await expect.poll(() => position.innerText(), { timeout: 8_000 }).toBe('1')
    expect(page.url()).toBe(waitUrl)

    // Grace's place frees: Ada's page goes to the lab by itself, signed in, on her session's dashboard.
    await free(graceSession)
    await page.waitForURL(/\/sessions\/[\w-]+\//, { timeout: 15_000 })
    const session = sessionIn(page.url())
    expect((await h.lg.deps.store.getSession(session))?.owner).toBe('moodle:ada')
    expect(await page.content()).toContain(session)
    // It went from the waiting page into the lab through the session's activation, which signed it in.
    expect(navigations[0]).toBe(waitUrl)
    expect(navigations.some((u) => /\/workshops\/session\/[\w-]+\/activate\//.test(u))).toBe(true)
    expect(csp).toEqual([])
    expect(errors).toEqual([])
    await page.context().close()
  })
})
