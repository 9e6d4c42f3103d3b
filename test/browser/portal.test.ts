/**
 * The learners' portal in real Chromium on the local backend: a registered learner signs up, starts a
 * workshop from the catalog and types in its terminal, then finds it in My labs; under anonymous
 * registration behind an event access code, a visitor enters the code, presses Start and types in the
 * terminal without an account. Every page passes an axe-core scan (no serious or critical violations).
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, type Harness } from '../harness.js'
import { seriousViolations } from './axe.js'
import { launchChromium } from './chromium.js'
import { saveScreenshot } from './screenshot.js'

const PASSWORD = 'correct horse battery staple'
const VIEWPORT = { width: 1280, height: 800 }
let browser: Browser

beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(async () => browser?.close())

/** The text on the dashboard's first terminal (xterm.js's DOM rows). */
const screen = (page: Page) => page.locator('.lg-pane[data-terminal="1"] .xterm-rows').innerText()

/** Types a command into the dashboard's first terminal and waits for `expected` on its screen. */
async function typeInTerminal(page: Page, command: string, expected: string): Promise<void> {
  await expect.poll(() => screen(page).catch(() => ''), { timeout: 20_000 }).toContain('$')
  await page.locator('.lg-pane[data-terminal="1"] .xterm').click()
  await page.keyboard.type(`${command}\n`)
  await expect.poll(() => screen(page).catch(() => ''), { timeout: 10_000 }).toContain(expected)
}

const accessible = async (page: Page) => expect(await seriousViolations(page), page.url()).toEqual([])

describe('a registered learner', () => {
  let h: Harness
  beforeAll(async () => {
    h = await startHarness({
      workshops: [
        { name: 'shell', reserved: 0, expires: '45m' },
        { name: 'tools', reserved: 0, capacity: 2 },
      ],
      registration: { type: 'one-step', enabled: true },
    })
  })
  afterAll(async () => h?.close())

  it('starts a workshop from the catalog, types in its terminal, and finds it in My labs', async () => {
    const context = await browser.newContext({ viewport: VIEWPORT })
    const page = await context.newPage()
    await page.goto(`${h.url}/login/`)
    await accessible(page)
    await page.goto(`${h.url}/register/`)
    await accessible(page)
    await page.fill('#username', 'ada')
    await page.fill('#password', PASSWORD)
    await page.fill('#confirm', PASSWORD)
    await Promise.all([page.waitForURL(`${h.url}/`), page.click('button[type=submit]')])

    await expect(page.locator('h1').innerText()).resolves.toBe('Workshops')
    await accessible(page)
    await saveScreenshot(page, 'portal-catalog')
    await Promise.all([
      page.waitForURL(/\/sessions\/[^/]+\/$/),
      page.locator('li.card', { hasText: 'Workshop shell' }).getByRole('button', { name: 'Start' }).click(),
    ])
    const name = /\/sessions\/([^/]+)\//.exec(page.url())![1]!
    await typeInTerminal(page, 'echo typed-$((6 * 7))', 'typed-42')

    await page.goto(`${h.url}/`)
    const resume = page
      .locator('li.card', { hasText: 'Workshop shell' })
      .getByRole('link', { name: 'Resume' })
    expect(await resume.getAttribute('href')).toBe(`/workshops/session/${name}/`)
    await page.goto(`${h.url}/my/labs/`)
    await expect(page.locator('main').innerText()).resolves.toMatch(/Workshop shell[\s\S]*\d+ minutes? left/)
    await accessible(page)
    await saveScreenshot(page, 'portal-my-labs')
    await page.goto(`${h.url}/workshops/environment/lab-w02/create/`)
    await expect(page.locator('h1').innerText()).resolves.toBe('Workshop tools')
    await accessible(page)
    await page.goto(`${h.url}/logout/`)
    await accessible(page)
    await context.close()
  })
})

describe('an anonymous visitor at an event with an access code', () => {
  let h: Harness
  beforeAll(async () => {
    h = await startHarness({
      workshops: [{ name: 'shell', reserved: 1, expires: '30m' }],
      registration: { type: 'anonymous', enabled: true },
      accessCode: 'event-2026',
    })
  })
  afterAll(async () => h?.close())

  it('enters the code, presses Start, and types in the terminal without an account', async () => {
    const context = await browser.newContext({ viewport: VIEWPORT })
    const page = await context.newPage()
    await page.goto(`${h.url}/`)
    expect(new URL(page.url()).pathname).toBe('/access/')
    await accessible(page)
    await saveScreenshot(page, 'portal-access-code')
    await page.fill('#code', 'not-it')
    await page.click('button:has-text("Continue")')
    await expect(page.locator('[role=alert]').innerText()).resolves.toContain('not right')
    await page.fill('#code', 'event-2026')
    await Promise.all([page.waitForURL(`${h.url}/`), page.click('button:has-text("Continue")')])
    await accessible(page)
    await Promise.all([
      page.waitForURL(/\/sessions\/[^/]+\/$/),
      page.getByRole('button', { name: 'Start' }).click(),
    ])
    await typeInTerminal(page, 'echo guest-$((2 + 3))', 'guest-5')
    const name = /\/sessions\/([^/]+)\//.exec(page.url())![1]!
    const s = (await h.lg.deps.store.getSession(name))!
    expect((await h.lg.deps.store.getUser(s.owner!))!.kind).toBe('anonymous')
    await context.close()
  })
})
