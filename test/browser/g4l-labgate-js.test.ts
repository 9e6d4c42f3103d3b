/**
 * labgate.js in Chromium, inside a Moodle-like LMS with the gateway4labs plug-in (`FakeMoodle`), as a
 * learner meets it: a SCORM 1.2 package written by `labgate lms scorm`, played by scorm-again, opens a
 * workshop lab from a link that lands in the learner's session (the LMS on another site than labgate), and
 * tells the SCORM API the attempt started and ended; a plain page loading labgate.js from labgate shows a
 * remote lab's page in an iframe of its root; refusals show as text in the root; `authenticate()` gets an
 * LMS administrator a link into labgate's LMS administration.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { run } from '../../src/main/cli/main.js'
import { eventually, startHarness, type Harness } from '../harness.js'
import { FakeMoodle } from '../lms/fake-moodle.js'
import { FakeRemoteLabSystem } from '../lms/fake-remote-lab-system.js'
import { unzipTo } from '../lms/unzip.js'
import { launchChromium } from './chromium.js'

let h: Harness
let moodle: FakeMoodle
let physics: FakeRemoteLabSystem
let browser: Browser
let dir: string
const LOGIN = { username: 'moodle-g4l', password: 'g4l-password-0123456789' }

beforeAll(async () => {
  moodle = await new FakeMoodle({
    ada: { fullName: 'Ada Lovelace', courses: ['c-101'] },
    grace: { fullName: 'Grace Hopper', courses: ['c-101'] },
    root: { fullName: 'Moodle Admin', courses: [], admin: true },
  }).start()
  physics = await new FakeRemoteLabSystem().start()
  h = await startHarness({
    backend: 'fake',
    workshops: [{ name: 'shell', reserved: 1 }],
    remoteLabs: [physics.system('physics-lab')],
    lms: [
      {
        name: 'moodle',
        basicHttp: {
          ...LOGIN,
          coursesUrl: moodle.coursesUrl,
          coursesUsername: moodle.coursesLogin.username,
          coursesPassword: moodle.coursesLogin.password,
        },
        labs: [
          { id: 'intro', workshop: 'shell' },
          { id: 'pendulum', remote: { system: 'physics-lab', laboratory: 'pendulum-1' } },
          { id: 'course-only', workshop: 'shell', courses: [{ contextId: 'c-999' }] },
        ],
      },
    ],
  })
  moodle.connect(h.url, LOGIN)
  // The package as an operator makes it: the CLI, with the plug-in's path found from its coursesUrl.
  dir = mkdtempSync(join(tmpdir(), 'labgate-scorm-'))
  vi.spyOn(console, 'log').mockImplementation(() => {})
  const code = await run([
    'lms',
    'scorm',
    '--config',
    join(h.dir, 'config'),
    '--lab',
    'intro',
    '--out',
    join(dir, 'intro.zip'),
  ])
  vi.restoreAllMocks()
  expect(code).toBe(0)
  unzipTo(join(dir, 'intro.zip'), join(dir, 'intro'))
  moodle.addPackage('intro', join(dir, 'intro'))
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  await h?.close()
  await moodle?.stop()
  await physics?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/** A plain Moodle page (no SCORM) that loads labgate.js from labgate and runs `call` on a Laboratory. */
const plainPage = (call: string) => `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Lab</title>
<script src="${h.url}/labmanager/labgate.js"></script>
<script>
  window.addEventListener('load', function () {
    new Laboratory(${JSON.stringify(moodle.basePath)}).${call}
  })
</script></head>
<body><div id="gateway4labs_root" style="height:600px"></div></body></html>`

/**
 * Opens the plain page that loads lab `id` (or, for `authenticate`, signs in to labgate's LMS
 * administration) in a new browser, signed in to Moodle as `user` (or not at all).
 */
async function openPlainPage(id: string, user: string | null): Promise<Page> {
  const path = `/moodle/mod/page/${id}.html`
  moodle.addPage(path, plainPage(id === 'authenticate' ? 'authenticate()' : `load(${JSON.stringify(id)})`))
  const page = await (await browser.newContext()).newPage()
  await page.goto(user ? moodle.signInUrl(user, path) : `${moodle.url}${path}`)
  return page
}

/** The text the root shows once labgate.js has an answer (no longer "Loading lab…"). */
async function rootText(page: Page): Promise<string> {
  const root = page.locator('#gateway4labs_root')
  await expect.poll(() => root.innerText(), { timeout: 10_000 }).not.toMatch(/^(Loading lab…)?$/)
  return root.innerText()
}

describe('labgate.js in an LMS', () => {
  it('opens a workshop lab from a SCORM package, and the SCORM API sees the attempt', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    // The LMS on `localhost`, labgate on 127.0.0.1: another site, as LMSs usually are.
    const player = moodle.signInUrl('ada', '/moodle/mod/scorm/player.php?package=intro')
    await page.goto(player.replace('127.0.0.1', 'localhost'))
    const sco = page.frameLocator('#scorm_object')
    const open = sco.locator('#gateway4labs_root').getByRole('link', { name: 'Open the lab', exact: true })
    await open.waitFor({ timeout: 10_000 })
    expect(await open.getAttribute('href')).toMatch(
      new RegExp(`^${h.url}/workshops/session/[\\w-]+/activate/\\?token=`),
    )
    expect(await sco.locator('#gateway4labs_root iframe').count()).toBe(0)
    const relayed = moodle.forwarded.at(-1)!
    expect(relayed.sent).toMatchObject({
      'user-id': 'ada',
      'full-name': 'Ada Lovelace',
      courses: ['c-101'],
      'request-payload': JSON.stringify({ action: 'reserve', experiment: 'intro' }),
    })

    const events = () =>
      page.evaluate(() => (globalThis as unknown as { scormEvents: unknown[] }).scormEvents)
    await expect
      .poll(events)
      .toEqual([
        ['LMSInitialize'],
        ['LMSSetValue.cmi.*', 'cmi.core.lesson_status', 'incomplete'],
        ['LMSCommit'],
      ])

    // The link opens the lab in a tab of its own, signed in, on the learner's session's dashboard.
    const [tab] = await Promise.all([context.waitForEvent('page'), open.click()])
    await tab.waitForURL(/\/sessions\/[\w-]+\//, { timeout: 15_000 })
    const session = /\/sessions\/([\w-]+)\//.exec(tab.url())![1]!
    expect(await tab.content()).toContain(session)
    expect((await h.lg.deps.store.getSession(session))?.owner).toBe('moodle:ada')

    // Leaving the SCO ends the attempt: LMSFinish, and the LMS gets the status committed.
    await page.locator('#scorm_object').evaluate((frame) => frame.remove())
    await expect.poll(events).toContainEqual(['LMSFinish'])
    const committed = await eventually('a commit', async () => moodle.commits.at(-1))
    expect(committed).toMatchObject({ cmi: { core: { lesson_status: 'incomplete' } } })
    await context.close()
  })

  it("shows a remote lab's page inside the root of a plain page that loads labgate.js from labgate", async () => {
    const page = await openPlainPage('pendulum', 'grace')
    const frame = page.frameLocator('#gateway4labs_root iframe')
    await expect.poll(() => frame.locator('h1').innerText(), { timeout: 10_000 }).toBe('The pendulum')
    const iframe = page.locator('#gateway4labs_root iframe')
    expect(await iframe.getAttribute('src')).toMatch(new RegExp(`^${physics.url}/lab/`))
    expect(await iframe.getAttribute('allow')).toBe('clipboard-read; clipboard-write; fullscreen')
    const fallback = page.getByRole('link', { name: 'Open the lab in a new tab' })
    expect(await fallback.getAttribute('href')).toBe(await iframe.getAttribute('src'))
    expect(await fallback.getAttribute('target')).toBe('_blank')
    await page.context().close()
  })

  it('shows why, as text, when the lab may not be opened', async () => {
    const unknown = await openPlainPage('no-such-lab', 'grace')
    expect(await rootText(unknown)).toBe(
      'Your LMS does not have permission to use that laboratory or that identifier does not exist',
    )
    expect(await unknown.locator('#gateway4labs_root [role=alert]').count()).toBe(1)
    await unknown.context().close()

    const notEnrolled = await openPlainPage('course-only', 'grace')
    expect(await rootText(notEnrolled)).toBe(
      'Your LMS has permission to use that laboratory; but you are not enrolled in any course with permissions to use it',
    )
    await notEnrolled.context().close()

    // Not signed in to the LMS: its refusal (a 401 whose text has markup) shows as text, not as HTML.
    const anonymous = await openPlainPage('intro', null)
    expect(await rootText(anonymous)).toBe('The LMS answered 401: You are not signed in to <Moodle>')
    expect(await anonymous.locator('#gateway4labs_root moodle').count()).toBe(0)
    await anonymous.context().close()
  })

  it("signs an LMS administrator in to labgate's LMS administration with authenticate()", async () => {
    const admin = await openPlainPage('authenticate', 'root')
    const link = admin.getByRole('link', { name: 'Open the LMS administration on labgate' })
    await link.waitFor({ timeout: 10_000 })
    expect(await link.getAttribute('href')).toMatch(new RegExp(`^${h.url}/lms-admin/enter/\\?ticket=`))
    await admin.context().close()

    const learner = await openPlainPage('authenticate', 'grace')
    expect(await rootText(learner)).toBe('only administrators of this Moodle may do that')
    await learner.context().close()
  })
})
