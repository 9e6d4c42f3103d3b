/**
 * The admin console in real Chromium: staff sign in at the portal, walk every page's main path, and
 * see a session requested through the API appear on the open Sessions page and change state without a
 * reload (server-sent events, under the page's strict CSP). Every page passes axe-core's serious checks;
 * screenshots (1280×800) of each page are saved as `admin-<page>.png` (see `screenshot.ts`).
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, type Harness } from '../harness.js'
import { learnerClient, requestSession, STAFF, startJobFor } from '../e2e/admin-client.js'
import { seriousViolations } from './axe.js'
import { launchChromium } from './chromium.js'
import { saveScreenshot } from './screenshot.js'

let h: Harness
let browser: Browser
let page: Page
const cspErrors: string[] = []

beforeAll(async () => {
  h = await startHarness({
    name: 'demo',
    backend: 'fake',
    admin: STAFF,
    registration: { enabled: true },
    lms: [
      {
        name: 'moodle',
        lti11: { key: 'moodle-key', secret: 'moodle-secret-value-0123' },
        labs: [{ id: 'intro', workshop: 'intro' }],
      },
    ],
    workshops: [
      { name: 'intro', capacity: 10, reserved: 2, expires: '30m', deadline: '2h' },
      { name: 'advanced', capacity: 0, reserved: 0 },
    ],
    workspaces: {},
  })
  browser = await launchChromium()
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  page = await context.newPage()
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) cspErrors.push(m.text())
  })
  await page.goto(`${h.url}/admin/`)
  // a visitor is sent to sign in, and comes back
  await page.fill('#username', STAFF.username)
  await page.fill('#password', STAFF.password)
  await Promise.all([page.waitForURL(`${h.url}/admin/environments/`), page.click('button[type=submit]')])
})
afterAll(async () => {
  await browser?.close()
  await h?.close()
})

const check = async (name: string) => {
  expect(await seriousViolations(page)).toEqual([])
  await saveScreenshot(page, `admin-${name}`)
}

describe('the admin console in Chromium', () => {
  it('shows the environments with their counts', async () => {
    await requestSession(h, 'demo-w01', 'grace')
    await page.reload()
    await expect.poll(() => page.textContent('h1')).toBe('Environments')
    expect(await page.textContent('table')).toContain('demo-w01')
    await check('environments')
  })

  it('shows a session requested through the API, and its state changes, without a reload', async () => {
    await page.click('nav >> text=Sessions')
    await page.selectOption('select[name=state]', 'all')
    await Promise.all([page.waitForURL(/state=all/), page.click('button:has-text("Filter")')])
    await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 42))
    // the stream is open before the session is asked for
    await page.waitForTimeout(300)
    const s = await requestSession(h, 'demo-w02', 'linus')
    const row = page.locator(`tr[data-session="${s.name}"]`)
    await row.waitFor({ timeout: 10_000 })
    await expect.poll(() => row.locator('[data-state]').textContent(), { timeout: 10_000 }).toBe('RUNNING')
    const robot = { authorization: `Bearer ${await h.token()}` }
    expect((await fetch(`${h.url}/workshops/session/${s.name}/terminate/`, { headers: robot })).status).toBe(
      200,
    )
    await expect
      .poll(() => row.locator('[data-state]').textContent(), { timeout: 10_000 })
      .toMatch(/STOPPING|STOPPED/)
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker)).toBe(42)
    await check('sessions')
  })

  it('terminates a session from its row with a message', async () => {
    const s = await requestSession(h, 'demo-w01', 'margaret')
    await page.goto(`${h.url}/admin/sessions/?user=margaret`)
    await Promise.all([
      page.waitForURL(/\/admin\/sessions\/\?user=margaret/),
      page.click(`button[aria-label="Terminate ${s.name}"]`),
    ])
    expect(await page.textContent('.flash')).toContain(`Session ${s.name} is being terminated.`)
    expect(await seriousViolations(page)).toEqual([])
  })

  it('finds a user, makes them staff and disables them', async () => {
    await learnerClient(h, 'ada')
    await page.goto(`${h.url}/admin/users/`)
    await page.fill('input[name=q]', 'ada')
    await Promise.all([page.waitForURL(/q=ada/), page.click('button:has-text("Search")')])
    await Promise.all([page.waitForURL(/q=ada/), page.click('button[aria-label="Make staff ada"]')])
    expect(await page.textContent('.flash')).toContain('ada is now staff.')
    await Promise.all([page.waitForURL(/q=ada/), page.click('button[aria-label="Disable ada"]')])
    expect(await page.textContent('.flash')).toContain('ada is disabled')
    expect(await page.textContent('tr[data-user]')).toContain('disabled')
    await check('users')
  })

  it('shows the audit trail with its filters and exports it', async () => {
    await page.goto(`${h.url}/admin/audit/`)
    expect(await page.textContent('tbody')).toContain('admin.session.terminate')
    await page.selectOption('select[name=kind]', 'admin.session.terminate')
    await Promise.all([
      page.waitForURL(/kind=admin.session.terminate/),
      page.click('button:has-text("Filter")'),
    ])
    await check('audit')
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('text=Download these records as CSV'),
    ])
    expect(download.suggestedFilename()).toBe('labgate-audit.csv')
  })

  it('registers an OAuth client and shows its secret once', async () => {
    await page.click('nav >> text=OAuth clients')
    await expect.poll(() => page.textContent('h1')).toBe('OAuth clients')
    await page.fill('input[name=name]', 'Reports')
    await Promise.all([page.waitForURL(`${h.url}/admin/clients/`), page.click('button:has-text("Register")')])
    expect(await page.textContent('h1')).toBe('Client registered')
    expect(await page.textContent('[data-secret]')).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(await seriousViolations(page)).toEqual([])
    await page.click('text=Back to the clients')
    expect(await page.textContent('tbody')).toContain('Reports')
    await check('clients')
  })

  it('lists the LMS registrations', async () => {
    await page.click('nav >> text=LMS registrations')
    await expect.poll(() => page.textContent('h1')).toBe('LMS registrations')
    expect(await page.textContent('tbody')).toContain('moodle')
    await check('lms')
  })

  it('lists live jobs and workspaces, and stops a job from its row', async () => {
    const { jobId } = await startJobFor(h, 'hedy', 'hedy-analysis')
    await page.click('nav >> text=Workspaces')
    await expect.poll(() => page.textContent('h1')).toBe('Workspaces')
    expect(await page.textContent(`tr[data-job="${jobId}"]`)).toContain('local_test')
    expect(await page.textContent('body')).toContain('hedy-analysis')
    await check('workspaces')
    await Promise.all([
      page.waitForURL(`${h.url}/admin/workspaces/`),
      page.click(`button[aria-label="Stop job ${jobId}"]`),
    ])
    expect(await page.textContent('.flash')).toContain(`Job ${jobId} of`)
    expect(await seriousViolations(page)).toEqual([])
  })

  it('ran every page under its CSP without a violation', () => {
    expect(cspErrors).toEqual([])
  })
})
