/**
 * An LTI 1.3 launch as the learner's browser and the platform go through it, up to the session's
 * activation URL: the browser's login initiation at labgate (`GET /lti/1.3/login`, 302 to the platform's
 * authorization endpoint with `state` and `nonce`, setting the state cookie), the platform's id_token for
 * that nonce (signed in the bench process, as the platform would sign it), and the browser's form post of
 * it to labgate (`POST /lti/1.3/launch` with the state cookie, 303 to the activation URL).
 *
 * Left out: the browser's round trip to the platform between the two (the platform's own time, not
 * labgate's) and the LMS's course page before them.
 */
import { UnexpectedResponse } from './api.js'
import type { Arrive } from './arrival.js'
import { CookieJar } from './browser.js'
import type { BenchLtiPlatform } from './lti-platform.js'
import { now } from './stats.js'

const LOGIN = '/lti/1.3/login'
const LAUNCH = '/lti/1.3/launch'

/**
 * A launch of `lab` by the platform's user `sub` into labgate at `portal` (its public URL): parts `lti-login`
 * (initiation → 302), `sign` (the platform signs the id_token) and `launch` (form post → 303). `sub` must
 * be new for each call: labgate accepts a nonce once, and a known user's launch re-enters their session.
 */
export function lti13Launch(platform: BenchLtiPlatform, portal: string, sub: string, lab: string): Arrive {
  return async (http) => {
    const jar = new CookieJar()
    const loginPath =
      `${LOGIN}?` +
      new URLSearchParams({
        iss: platform.issuer,
        login_hint: sub,
        target_link_uri: portal + LAUNCH,
        client_id: platform.clientId,
        lti_deployment_id: platform.deploymentId,
      }).toString()
    const t0 = now()
    const login = await http.send(loginPath)
    jar.take(login, loginPath)
    if (login.status !== 302 || typeof login.headers.location !== 'string')
      throw new UnexpectedResponse('lti13 login', login)
    const auth = new URL(login.headers.location)
    if (auth.origin + auth.pathname !== platform.authUrl)
      throw new Error(`lti13 login: redirected to ${auth.origin + auth.pathname}, not the platform`)
    const state = auth.searchParams.get('state')
    const nonce = auth.searchParams.get('nonce')
    if (!state || !nonce) throw new Error('lti13 login: no state or nonce in the authentication request')
    const t1 = now()
    const idToken = await platform.idToken({ sub, nonce, lab })
    const t2 = now()
    const cookie = jar.header(LAUNCH)
    const launch = await http.send(LAUNCH, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        // The platform's page posts the form: a cross-site navigation in the browser.
        origin: platform.url,
        ...(cookie ? { cookie } : {}),
      },
      body: new URLSearchParams({ id_token: idToken, state }).toString(),
    })
    jar.take(launch, LAUNCH)
    const t3 = now()
    const to = launch.headers.location
    if (launch.status !== 303 || typeof to !== 'string') throw new UnexpectedResponse('lti13 launch', launch)
    const m = /^\/workshops\/session\/([\w-]+)\/activate\/\?token=/.exec(to)
    if (!m) throw new Error(`lti13 launch: redirected to ${to}, not a session's activation`)
    return {
      name: m[1]!,
      url: to,
      jar,
      times: { 'lti-login': t1 - t0, sign: t2 - t1, 'lti-launch': t3 - t2 },
    }
  }
}
