/**
 * Workspaces in real Chromium, on the local backend: a learner signs up, opens "Your workspaces", starts
 * Jupyter on a workspace that holds a notebook (made through the HuBMAP API as the portal makes it),
 * opens it from the page (a ticket, then the job's cookie, on the job's own host `job-<id>.localhost`),
 * opens the notebook with `<url>/tree/<notebook>` as the HuBMAP portal does, gets a live kernel over the
 * gateway's WebSocket, and stops the job. A screenshot goes to `test-artifacts/jupyter.png`.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, type Harness } from '../harness.js'
import { launchChromium } from './chromium.js'

let h: Harness
let browser: Browser
const artifacts = join(import.meta.dirname, '../../test-artifacts')
const PASSWORD = 'correct horse battery staple'
const NOTEBOOK = {
  cells: [{ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: ['print(6 * 7)'] }],
  metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
  nbformat: 4,
  nbformat_minor: 5,
}

beforeAll(async () => {
  h = await startHarness({
    backend: 'local',
    workshops: [{ name: 'shell', reserved: 0 }],
    registration: { type: 'one-step', enabled: true },
    // *.localhost is the loopback address to Chromium: each job gets a host of its own
    workspaces: { domain: 'localhost' },
  })
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  await h?.close()
})

describe('workspaces in the browser', () => {
  it('starts Jupyter from the page, opens a notebook through the gateway, and stops it', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${h.url}/register/`)
    await page.fill('#username', 'ada')
    await page.fill('#password', PASSWORD)
    await page.fill('#confirm', PASSWORD)
    await Promise.all([page.waitForURL(`${h.url}/**`), page.click('button[type=submit]')])

    // The HuBMAP portal's call: a workspace with a notebook, for the same user (by username).
    const robot = await h.token()
    const exchange = await fetch(`${h.url}/tokens/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_token: robot, user_info: { username: 'ada', email: 'ada@example.org' } }),
    })
    const key = ((await exchange.json()) as { token: string }).token
    const made = await fetch(`${h.url}/workspaces`, {
      method: 'POST',
      headers: { 'UWS-Authorization': `Token ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'notebooks',
        description: 'from the portal',
        workspace_details: {
          files: [{ name: 'hello.ipynb', content: JSON.stringify(NOTEBOOK) }],
          symlinks: [],
        },
      }),
    })
    expect(made.status).toBe(200)

    await page.goto(`${h.url}/`)
    await page.click('nav >> text=Workspaces')
    await expect.poll(() => page.textContent('h1')).toBe('Your workspaces')
    expect(await page.textContent('main, body')).toContain('notebooks')
    await page.selectOption('select[name=job_type]', 'jupyter_lab')
    await page.click('button:has-text("Start")')
    // the page reloads itself until the web UI answers
    const open = page.locator('a:has-text("Open")')
    await open.waitFor({ timeout: 60_000 })
    const href = (await open.getAttribute('href'))!
    expect(href).toMatch(
      /^http:\/\/job-\d+\.localhost:\d+\/passthrough\/\d+\/tree\?token=\w+&labgate_ticket=/,
    )

    const [jupyter] = await Promise.all([context.waitForEvent('page'), open.click()])
    await jupyter!.waitForLoadState()
    const base = new URL(jupyter!.url())
    expect(base.hostname).toMatch(/^job-\d+\.localhost$/)
    expect(base.search).not.toContain('labgate_ticket')
    await jupyter!.waitForSelector('text=hello.ipynb', { timeout: 20_000 })

    // As the HuBMAP portal opens a notebook: <url>/tree/<notebook>
    const tree = new URL(href)
    tree.pathname += '/hello.ipynb'
    tree.searchParams.delete('labgate_ticket')
    await jupyter!.goto(tree.toString())
    await jupyter!.waitForURL(/\/notebooks\/hello\.ipynb/)
    await jupyter!.waitForSelector('#kernel_indicator_icon.kernel_idle_icon', { timeout: 30_000 })
    await jupyter!.click('.cell .input_area')
    await jupyter!.keyboard.press('Shift+Enter')
    await jupyter!.waitForSelector('.output_area pre:has-text("42")', { timeout: 20_000 })
    mkdirSync(artifacts, { recursive: true })
    await jupyter!.screenshot({ path: join(artifacts, 'jupyter.png') })

    // Another browser with the URL but not the ticket gets nowhere.
    const stranger = await browser.newContext()
    const other = await stranger.newPage()
    const refused = await other.goto(tree.toString())
    expect(refused?.status()).toBe(401)
    await stranger.close()

    await page.bringToFront()
    await page.click('button:has-text("Stop")')
    await expect.poll(async () => page.textContent('li.job .status'), { timeout: 20_000 }).toBe('complete')
    await context.close()
  }, 150_000)
})
