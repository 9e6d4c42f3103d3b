/**
 * Deep Linking and the instructor's course page as a teacher uses them, in Chromium: from the (fake)
 * platform's course page, the picker lists the labs, the pick goes back to the platform by the response
 * page's own script (allowed by its policy's nonce), which verifies it; an instructor's launch opens the
 * course page, where Terminate ends a learner's session.
 */
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FakeLtiPlatform } from '../lms/fake-lti-platform.js'
import { CookieClient, startHarness, type Harness } from '../harness.js'
import { launchChromium } from './chromium.js'

let h: Harness
let platform: FakeLtiPlatform
let browser: Browser

const LTI = 'https://purl.imsglobal.org/spec/lti/claim/'
const MEMBERSHIP = 'http://purl.imsglobal.org/vocab/lis/v2/membership#'

beforeAll(async () => {
  platform = await new FakeLtiPlatform().start()
  h = await startHarness({
    backend: 'fake',
    workshops: [{ name: 'shell', capacity: 4, reserved: 1 }],
    lms: [
      {
        name: 'moodle',
        lti13: platform.lti13,
        labs: [
          { id: 'intro-shell', workshop: 'shell' },
          { id: 'advanced-shell', workshop: 'shell' },
        ],
      },
    ],
  })
  platform.connectTool(h.url)
  platform.trustTool(`${h.url}/lti/1.3/jwks`)
  platform.roster = [
    { user_id: 'teacher-1', name: 'Grace Hopper', roles: [`${MEMBERSHIP}Instructor`] },
    { user_id: 'learner-1', name: 'Ada Lovelace', roles: [`${MEMBERSHIP}Learner`] },
  ]
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  await h?.close()
  await platform?.close()
})

describe('Deep Linking and the course page in Chromium', () => {
  it('picks a lab and sends the signed response back to the platform', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(
      platform.coursePage({ sub: 'teacher-1', claims: platform.deepLinkingClaims({ data: 'd-1' }) }),
    )
    await page.click('#launch')
    await page.waitForURL(/\/lti\/1\.3\/launch$/)
    await page.getByLabel(/advanced-shell/).check()
    await page.getByRole('button', { name: 'Add' }).click()
    await page.waitForURL(platform.deepLinkReturnUrl)
    expect(await page.textContent('body')).toBe('content items received')
    const verdict = platform.deepLinkResponses.at(-1)!
    expect(verdict.error).toBeNull()
    expect(verdict.payload!['https://purl.imsglobal.org/spec/lti-dl/claim/content_items']).toMatchObject([
      { type: 'ltiResourceLink', custom: { lab: 'advanced-shell' } },
    ])
    await context.close()
  })

  it("terminates a learner's session from the course page", async () => {
    // The learner's session, entered once.
    const learner = new CookieClient()
    const q = new URLSearchParams({
      iss: platform.issuer,
      login_hint: 'learner-1',
      target_link_uri: `${h.url}/lti/1.3/launch`,
      client_id: platform.clientId,
    })
    const auth = new URL((await learner.get(`${h.url}/lti/1.3/login?${q}`)).headers.get('location')!)
    const idToken = await platform.idToken({
      sub: 'learner-1',
      nonce: auth.searchParams.get('nonce')!,
      at: Date.now(),
    })
    const launched = await fetch(`${h.url}/lti/1.3/launch`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: [...learner.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      },
      body: new URLSearchParams({ id_token: idToken, state: auth.searchParams.get('state')! }),
      redirect: 'manual',
    })
    const location = launched.headers.get('location')!
    await learner.get(`${h.url}${location}`)
    const session = /session\/([\w-]+)\//.exec(location)![1]!

    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(
      platform.coursePage({
        sub: 'teacher-1',
        claims: { [`${LTI}roles`]: [`${MEMBERSHIP}Instructor`], ...platform.nrpsClaim() },
      }),
    )
    await page.click('#launch')
    await page.waitForURL(/\/lti\/1\.3\/course\/[\w-]+$/)
    expect(await page.locator(`[data-session="${session}"]`).textContent()).toMatch(/^running/)
    await page
      .getByRole('row', { name: /Ada Lovelace/ })
      .getByRole('button', { name: 'Terminate' })
      .click()
    await page.waitForURL(/\?done=terminated$/)
    expect(await page.getByRole('status').textContent()).toContain('terminated')
    expect(['STOPPING', 'STOPPED']).toContain((await h.lg.deps.store.getSession(session))!.state)
    await context.close()
  })
})
