/** While a session is still starting, the learner sees progress, then the terminal. */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { SandboxSpec } from '../../src/backends/backend.js'
import { LocalBackend } from '../../src/backends/local/index.js'
import { startHarness, type Harness } from '../harness.js'
import { launchChromium } from './chromium.js'

/** The real local backend, with a start that takes a while (as a heavy workshop image would). */
class SlowStartLocalBackend extends LocalBackend {
  override async start(spec: SandboxSpec) {
    await new Promise((r) => setTimeout(r, 5000))
    return super.start(spec)
  }
}

let h: Harness
let browser: Browser
beforeAll(async () => {
  h = await startHarness({ workshops: [{ name: 'slow', capacity: 2, reserved: 0 }] }, {})
  // Restart on the same data directory with the slow backend.
  await h.restart({ backend: new SlowStartLocalBackend({ dataDir: h.data, log: () => {} }) })
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  await h?.close()
})

it('shows progress during a cold start, then a working terminal', async () => {
  const token = await h.token()
  const r = await fetch(
    `${h.url}/workshops/environment/lab-w01/request/?index_url=https://hub.test/&user=cold`,
    {
      headers: { authorization: `Bearer ${token}` },
    },
  )
  const { url } = (await r.json()) as { url: string }
  const page = await browser.newPage()
  await page.goto(`${h.url}${url}`)
  await expect(page.locator('#lg-starting').isVisible()).resolves.toBe(true)
  await expect(page.locator('#lg-starting').innerText()).resolves.toContain('Starting your lab session')
  await page.locator('.lg-pane[data-terminal="1"] .xterm-rows').waitFor({ timeout: 10_000 })
  await expect.poll(() => page.locator('#lg-starting').isVisible(), { timeout: 10_000 }).toBe(false)
  await expect
    .poll(() => page.locator('.lg-pane[data-terminal="1"] .xterm-rows').innerText(), { timeout: 10_000 })
    .toContain('$')
  await page.close()
})
