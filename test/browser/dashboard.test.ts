/**
 * The learner's dashboard in real Chromium: activate a session from the robot API, read the
 * instructions, run a `terminal:execute` block, type, reload into the same shell, open a second
 * terminal, extend, finish; and a session ended elsewhere shows as ended on its open dashboard. A
 * screenshot of the dashboard is saved to `test-artifacts/dashboard.png`.
 */
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, type Harness } from '../harness.js'
import { launchChromium } from './chromium.js'

let h: Harness
let browser: Browser
let token: string
const artifacts = join(import.meta.dirname, '../../test-artifacts')

beforeAll(async () => {
  h = await startHarness({
    workshops: [{ name: 'shell', capacity: 4, reserved: 1, expires: '10m', overtime: '5m', deadline: '30m' }],
    contentFor: {
      shell: {
        '01-welcome.md': [
          '# Welcome to the shell',
          '',
          'Your session is %session_name%.',
          '',
          '```terminal:execute',
          'command: echo "hello from $SESSION_NAME"',
          '```',
          '',
          '<script>window.__pwned = true</script>',
        ].join('\n'),
        '02-next.md': '# Second page\n\nThe end.\n',
      },
    },
  })
  token = await h.token()
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  await h?.close()
})

/** The text on an xterm.js screen (its DOM renderer's rows). */
const screen = (page: Page, terminal = '1') =>
  page.locator(`.lg-pane[data-terminal="${terminal}"] .xterm-rows`).innerText()

const waitForText = async (page: Page, text: string | RegExp, terminal = '1', ms = 10_000) => {
  const end = Date.now() + ms
  for (;;) {
    const s = await screen(page, terminal).catch(() => '')
    if (typeof text === 'string' ? s.includes(text) : text.test(s)) return s
    if (Date.now() > end) throw new Error(`terminal ${terminal} never showed ${text}; it shows:\n${s}`)
    await page.waitForTimeout(50)
  }
}

/** Requests a session for `user` from the robot API: its activation URL and name. */
const requestSession = async (user: string, index: string) => {
  const r = await fetch(
    `${h.url}/workshops/environment/lab-w01/request/?index_url=${encodeURIComponent(index)}&user=${user}`,
    {
      headers: { authorization: `Bearer ${token}` },
    },
  )
  expect(r.status).toBe(200)
  return (await r.json()) as { url: string; name: string }
}

describe('session dashboard in Chromium', () => {
  it('runs the whole learner journey', async () => {
    const index = `${h.url}/healthz?from=lab`
    const { url, name } = await requestSession('learner-1', index)
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } })
    const page = await context.newPage()
    await page.goto(`${h.url}${url}`)
    expect(new URL(page.url()).pathname).toBe(`/sessions/${name}/`)

    // The modules are all preloaded (no waterfall): every module the page loaded is named by a
    // modulepreload link in the document, so the browser asks for all of them while parsing it.
    const loaded = await page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .map((e) => e.name)
        .filter((n) => /\/_labgate\/static\/[\w-]+\.js$/.test(n) && !/xterm|addon-fit/.test(n)),
    )
    const preloaded = (
      await page
        .locator('link[rel="modulepreload"]')
        .evaluateAll((links) => links.map((l) => l.getAttribute('href')))
    ).map((href) => new URL(href!, page.url()).toString())
    expect(loaded.length).toBeGreaterThan(5)
    for (const m of loaded) expect(preloaded, m).toContain(m)

    // Instructions, with variables interpolated and raw HTML inert.
    await expect(page.locator('#lg-page h1').innerText()).resolves.toBe('Welcome to the shell')
    await expect(page.locator('#lg-page').innerText()).resolves.toContain(`Your session is ${name}.`)
    expect(
      await page.evaluate(() => (globalThis as unknown as { __pwned?: boolean }).__pwned),
    ).toBeUndefined()

    // A prompt, then a clickable action runs in terminal 1.
    await waitForText(page, '$')
    await page.locator('.lg-action[data-action="terminal:execute"]').click()
    await waitForText(page, `hello from ${name}`)

    // Typing into the terminal.
    await page.locator('.lg-pane[data-terminal="1"] .xterm').click()
    await page.keyboard.type('export LAB_MARK=kept-42; echo mark-$LAB_MARK\n')
    await waitForText(page, 'mark-kept-42')
    mkdirSync(artifacts, { recursive: true })
    await page.screenshot({ path: join(artifacts, 'dashboard.png') })

    // Reload: the same shell comes back, with its scrollback.
    await page.reload()
    await waitForText(page, 'mark-kept-42')
    await page.locator('.lg-pane[data-terminal="1"] .xterm').click()
    await page.keyboard.type('echo again-$LAB_MARK\n')
    await waitForText(page, 'again-kept-42')

    // A second terminal is another shell.
    await page.locator('#lg-new-term').click()
    await waitForText(page, '$', '2')
    await page.locator('.lg-pane[data-terminal="2"] .xterm').click()
    await page.keyboard.type('echo second-${LAB_MARK:-unset}\n')
    await waitForText(page, 'second-unset', '2')

    // Next page of the instructions.
    await page.locator('#lg-next').click()
    await expect.poll(() => page.locator('#lg-page h1').innerText()).toBe('Second page')

    // Extend once the session is near its end.
    const s = (await h.lg.deps.store.getSession(name))!
    const now = Date.now()
    await h.lg.deps.store.updateSession(name, { startedAt: now - 590_000, expiresAt: now + 10_000 })
    await page.reload()
    await page.locator('#lg-extend').click()
    await expect
      .poll(async () => (await h.lg.deps.store.getSession(name))!.expiresAt)
      .toBe(now + 10_000 + 300_000)
    expect(s.owner).toBe('learner-1')

    // Finish: back to the index URL with the notification.
    page.once('dialog', (d) => void d.accept())
    await page.locator('#lg-finish').click()
    await page.waitForURL((u) => u.pathname === '/healthz')
    const finished = new URL(page.url())
    expect(finished.searchParams.get('notification')).toBe('session-deleted')
    expect(finished.searchParams.get('from')).toBe('lab')
    await context.close()
  })

  it('shows the end of a session ended elsewhere from its terminal, not from the schedule poll', async () => {
    const { url, name } = await requestSession('learner-2', `${h.url}/healthz`)
    const page = await browser.newPage()
    // The schedule poll made hourly: the end can only come from the terminal's socket.
    const statusModule = readFileSync(
      join(import.meta.dirname, '../../web-static/dashboard/session-status.js'),
      'utf8',
    )
    const hourly = statusModule.replace(/export const POLL_MS = [\d_]+/, 'export const POLL_MS = 3_600_000')
    expect(hourly).not.toBe(statusModule)
    await page.route('**/_labgate/static/session-status.js', (route) =>
      route.fulfill({ contentType: 'text/javascript; charset=utf-8', body: hourly }),
    )
    await page.goto(`${h.url}${url}`)
    await waitForText(page, '$')
    expect(await page.locator('#lg-ended').isVisible()).toBe(false)

    const r = await fetch(`${h.url}/workshops/session/${name}/terminate/`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(r.status).toBe(200)
    await page.locator('#lg-ended').waitFor({ state: 'visible', timeout: 10_000 })
    await expect(page.locator('#lg-ended').innerText()).resolves.toContain('This session has ended.')
    await waitForText(page, 'This session has ended.')
    await page.close()
  })
})
