/**
 * An LTI 1.3 launch as a browser and the fake platform make it, over plain HTTP: the login initiation at
 * the tool (its state cookie kept in `browser`), the platform's id_token for the nonce the tool sent, and
 * the form post of the id_token and state back to the tool with that cookie. Cookies the launch sets are
 * kept in `browser` too.
 */
import { CookieClient } from '../harness.js'
import type { FakeLtiPlatform } from './fake-lti-platform.js'

export interface HttpLaunch {
  res: Response
  browser: CookieClient
  state: string
  nonce: string
  idToken: string
}

/** The cookies of `browser` as a Cookie header. */
export const cookieHeader = (browser: CookieClient) =>
  [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ')

/** Posts `fields` to the tool's launch URL with `browser`'s cookies, keeping the cookies it sets. */
export async function postLaunch(toolUrl: string, browser: CookieClient, fields: Record<string, string>) {
  const res = await fetch(`${toolUrl}/lti/1.3/launch`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(browser) },
    body: new URLSearchParams(fields),
    redirect: 'manual',
  })
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';')
    const i = pair!.indexOf('=')
    // A cookie set to expire now is deleted, as a browser deletes it.
    if (/;\s*Max-Age=0\b/i.test(c)) browser.cookies.delete(pair!.slice(0, i))
    else browser.cookies.set(pair!.slice(0, i), pair!.slice(i + 1))
  }
  return res
}

/** A complete login and launch of `sub` with `claims` at the tool at `toolUrl`. */
export async function httpLaunch(
  platform: FakeLtiPlatform,
  toolUrl: string,
  sub: string,
  claims: Record<string, unknown> = {},
  browser = new CookieClient(),
): Promise<HttpLaunch> {
  const q = new URLSearchParams({
    iss: platform.issuer,
    login_hint: sub,
    target_link_uri: `${toolUrl}/lti/1.3/launch`,
    client_id: platform.clientId,
  })
  const login = await browser.get(`${toolUrl}/lti/1.3/login?${q}`)
  if (login.status !== 302) throw new Error(`login initiation answered ${login.status}`)
  const auth = new URL(login.headers.get('location')!)
  const state = auth.searchParams.get('state')!
  const nonce = auth.searchParams.get('nonce')!
  const idToken = await platform.idToken({ sub, nonce, claims, at: Date.now() })
  const res = await postLaunch(toolUrl, browser, { id_token: idToken, state })
  return { res, browser, state, nonce, idToken }
}
