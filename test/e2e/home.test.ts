/** The portal's front page. */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { CookieClient, startHarness, type Harness } from '../harness.js'

let h: Harness
beforeAll(async () => {
  h = await startHarness({ backend: 'fake', workshops: [{ name: 'alpha', reserved: 0 }] })
})
afterAll(async () => h?.close())

it('asks visitors to sign in, and shows a signed-in learner the workshops and their session', async () => {
  const anonymous = await (await fetch(`${h.url}/`)).text()
  expect(anonymous).toContain('Sign in to see the workshops')
  expect(anonymous).not.toContain('Workshop alpha')
  const token = await h.token()
  const r = await fetch(
    `${h.url}/workshops/environment/lab-w01/request/?index_url=https://hub.test/&user=<b>learner</b>`,
    {
      headers: { authorization: `Bearer ${token}` },
    },
  )
  const { url, name } = (await r.json()) as { url: string; name: string }
  const browser = new CookieClient()
  await browser.get(`${h.url}${url}`)
  const page = await (await browser.get(`${h.url}/`)).text()
  expect(page).toContain('Workshop alpha')
  expect(page).toContain(`/workshops/session/${name}/`)
  expect(page).toContain('Sign out')
})
