/**
 * An LTI 1.3 launch as a learner makes it, in Chromium: a course page of the (fake) platform starts the
 * login, the platform's authorization endpoint form-posts the id_token, and the learner lands on their
 * session's dashboard with a live terminal. Inside the LMS's iframe, on another site than labgate, the
 * lab opens in a window of its own and lands in the same session.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FakeLtiPlatform } from '../lms/fake-lti-platform.js'
import { startHarness, type Harness } from '../harness.js'
import { launchChromium } from './chromium.js'

let h: Harness
let platform: FakeLtiPlatform
let browser: Browser

beforeAll(async () => {
  platform = await new FakeLtiPlatform().start()
  h = await startHarness({
    workshops: [{ name: 'shell', capacity: 4, reserved: 1 }],
    lms: [
      {
        name: 'moodle',
        lti13: platform.lti13,
        labs: [{ id: 'intro-shell', workshop: 'shell' }],
      },
    ],
  })
  platform.connectTool(h.url)
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  await h?.close()
  await platform?.close()
})

/** Waits until the dashboard's first terminal shows a shell prompt; returns the screen's text. */
async function prompt(page: Page, ms = 15_000): Promise<string> {
  const end = Date.now() + ms
  for (;;) {
    const s = await page
      .locator('.lg-pane[data-terminal="1"] .xterm-rows')
      .innerText()
      .catch(() => '')
    if (s.includes('$')) return s
    if (Date.now() > end) throw new Error(`no prompt; the terminal shows:\n${s}`)
    await page.waitForTimeout(50)
  }
}

const sessionOf = (url: string) => /\/sessions\/([\w-]+)\//.exec(new URL(url).pathname)?.[1]

describe('LTI 1.3 launch in Chromium', () => {
  it('goes from the course page to a live terminal, and back to the same session later', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(platform.coursePage({ sub: 'learner-1', claims: { given_name: 'Grace' } }))
    await page.click('#launch')
    await page.waitForURL(/\/sessions\/[\w-]+\//)
    await prompt(page)
    const session = sessionOf(page.url())!
    expect((await h.lg.deps.store.getSession(session))?.owner).toBe('moodle:learner-1')
    expect(platform.authRequests.at(-1)).toMatchObject({ login_hint: 'learner-1', prompt: 'none' })
    await context.close()

    // Another browser, later: the same session, signed in again by the launch.
    const other = await browser.newContext()
    const again = await other.newPage()
    await again.goto(platform.coursePage({ sub: 'learner-1' }))
    await again.click('#launch')
    await again.waitForURL(/\/sessions\/[\w-]+\//)
    expect(sessionOf(again.url())).toBe(session)
    await prompt(again)
    await other.close()
  })

  it('opens the lab in a window of its own from inside the LMS iframe', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    // The course page on `localhost`, labgate on 127.0.0.1: the iframe is a third-party context.
    await page.goto(platform.coursePage({ sub: 'learner-2', frame: true, host: 'localhost' }))
    const frame = page.frameLocator('#tool')
    const open = frame.getByRole('link', { name: 'Open the lab' })
    await open.waitFor({ timeout: 15_000 })
    const [popup] = await Promise.all([context.waitForEvent('page'), open.click()])
    await popup.waitForURL(/\/sessions\/[\w-]+\//, { timeout: 15_000 })
    await prompt(popup)
    const session = sessionOf(popup.url())!
    expect((await h.lg.deps.store.getSession(session))?.owner).toBe('moodle:learner-2')
    const held = await h.lg.deps.store.listSessions({ portal: h.lg.deps.portal.name })
    expect(held.filter((s) => s.owner === 'moodle:learner-2')).toHaveLength(1)
    await context.close()
  })
})
