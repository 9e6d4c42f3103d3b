/**
 * The portal and the admin console together in real Chromium, on the local backend: a learner starts a
 * workshop from the catalog and types in its terminal; the admin, whose Sessions page is open, sees the
 * session appear and run without a reload, extends it and terminates it; the learner's open dashboard
 * then shows that the session has ended.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, type Harness } from '../harness.js'
import { launchChromium } from './chromium.js'

const STAFF = { username: 'staff', password: 'staff-password-0123456789' }
const PASSWORD = 'correct horse battery staple'
let h: Harness
let browser: Browser

beforeAll(async () => {
  h = await startHarness({
    admin: STAFF,
    registration: { type: 'one-step', enabled: true },
    workshops: [{ name: 'shell', reserved: 0, expires: '10m', overtime: '5m', deadline: '30m' }],
  })
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  await h?.close()
})

const screen = (page: Page) => page.locator('.lg-pane[data-terminal="1"] .xterm-rows').innerText()

describe('a learner and the admin', () => {
  it('starts from the catalog; the admin sees it live, extends and terminates it; the dashboard ends', async () => {
    const admin = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage()
    await admin.goto(`${h.url}/login/?next=${encodeURIComponent('/admin/sessions/?state=all')}`)
    await admin.fill('#username', STAFF.username)
    await admin.fill('#password', STAFF.password)
    await Promise.all([admin.waitForURL(/\/admin\/sessions\//), admin.click('button[type=submit]')])
    // the Sessions page is open (its event stream too) before the learner starts anything
    await admin.waitForTimeout(300)

    const learner = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage()
    await learner.goto(`${h.url}/register/`)
    await learner.fill('#username', 'ada')
    await learner.fill('#password', PASSWORD)
    await learner.fill('#confirm', PASSWORD)
    await Promise.all([learner.waitForURL(`${h.url}/`), learner.click('button[type=submit]')])
    await Promise.all([
      learner.waitForURL(/\/sessions\/[^/]+\/$/),
      learner.getByRole('button', { name: 'Start' }).click(),
    ])
    const name = /\/sessions\/([^/]+)\//.exec(learner.url())![1]!
    await expect.poll(() => screen(learner).catch(() => ''), { timeout: 20_000 }).toContain('$')
    await learner.locator('.lg-pane[data-terminal="1"] .xterm').click()
    await learner.keyboard.type('echo typed-$((6 * 7))\n')
    await expect.poll(() => screen(learner).catch(() => ''), { timeout: 10_000 }).toContain('typed-42')

    // The admin's page shows the session, running, without a reload.
    const row = admin.locator(`tr[data-session="${name}"]`)
    await row.waitFor({ timeout: 10_000 })
    await expect.poll(() => row.locator('[data-state]').textContent(), { timeout: 10_000 }).toBe('RUNNING')

    // Near its end the session may be extended: the admin extends it.
    const now = Date.now()
    await h.lg.deps.store.updateSession(name, { startedAt: now - 590_000, expiresAt: now + 10_000 })
    await admin.reload()
    await Promise.all([admin.waitForLoadState(), admin.click(`button[aria-label="Extend ${name}"]`)])
    await expect
      .poll(async () => (await h.lg.deps.store.getSession(name))!.expiresAt! - now)
      .toBeGreaterThan(60_000)

    // The admin terminates it; the learner's open dashboard says it has ended.
    await Promise.all([admin.waitForLoadState(), admin.click(`button[aria-label="Terminate ${name}"]`)])
    await expect(admin.locator('.flash').innerText()).resolves.toContain(
      `Session ${name} is being terminated.`,
    )
    await expect
      .poll(() => admin.locator(`tr[data-session="${name}"] [data-state]`).textContent(), { timeout: 10_000 })
      .toMatch(/STOPPING|STOPPED/)
    await learner.locator('#lg-ended').waitFor({ state: 'visible', timeout: 15_000 })
    await expect(learner.locator('#lg-ended').innerText()).resolves.toContain('This session has ended.')
  }, 120_000)
})
