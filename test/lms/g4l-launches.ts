/**
 * Launches as gateway4labs' LMSs make them, for end-to-end tests of course windows, teachers' keys and the
 * queue: a basic-HTTP reservation (the LMS plug-in's POST), a signed LTI 1.1 launch form, a browser that
 * follows redirects, a clock the test moves, and an LMS administrator's context for the use cases.
 */
import type { Clock } from '../../src/domain/clock.js'
import type { LmsAdminContext } from '../../src/lms/lms-admin/admin-context.js'
import { signLaunch } from '../../src/lms/lti11/index.js'
import { CookieClient, type Harness } from '../harness.js'

/** A clock that runs with the real one, from a moment the test picks, and jumps when told to. */
export class TestClock implements Clock {
  #offset: number
  /** Starts at `at` (ms), default the real now. */
  constructor(at: number = Date.now()) {
    this.#offset = at - Date.now()
  }
  now(): number {
    return Date.now() + this.#offset
  }
  /** Jumps `ms` ahead. */
  advance(ms: number): void {
    this.#offset += ms
  }
}

export interface Login {
  username: string
  password: string
}

export const basicAuth = (l: Login) =>
  `Basic ${Buffer.from(`${l.username}:${l.password}`).toString('base64')}`

/** The gateway4labs plug-in's reservation of `lab` for `user`, enrolled in `courses`. */
export function reserve(
  h: Harness,
  login: Login,
  o: { user: string; lab: string; courses: string[]; fullName?: string },
): Promise<Response> {
  return fetch(`${h.url}/labmanager/requests/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basicAuth(login) },
    body: JSON.stringify({
      courses: o.courses,
      'request-payload': JSON.stringify({ action: 'reserve', experiment: o.lab }),
      'is-admin': false,
      'user-id': o.user,
      'full-name': o.fullName ?? 'Ada Lovelace',
      'user-agent': 'Mozilla/5.0',
      'origin-ip': '192.0.2.7',
      referer: 'https://moodle.example/course/view.php?id=1',
    }),
    redirect: 'manual',
  })
}

/** The text of a reservation (asserting the 200 text/plain every answer but a 401 is). */
export async function reserveText(
  h: Harness,
  login: Login,
  o: { user: string; lab: string; courses: string[]; fullName?: string },
): Promise<string> {
  const res = await reserve(h, login, o)
  if (res.status !== 200 || !res.headers.get('content-type')?.startsWith('text/plain'))
    throw new Error(`reservation answered ${res.status} ${res.headers.get('content-type')}`)
  return res.text()
}

let nonces = 0

/**
 * An LTI 1.1 launch form as Moodle posts it to `/lti/1.1/launch`, signed with `creds` at the time of
 * `clock` (labgate checks the timestamp against its own clock).
 */
export function lti11Form(
  h: Harness,
  clock: Clock,
  creds: { key: string; secret: string },
  o: { user: string; lab?: string; course?: string },
): URLSearchParams {
  const pairs = signLaunch(
    `${h.url}/lti/1.1/launch`,
    {
      lti_message_type: 'basic-lti-launch-request',
      lti_version: 'LTI-1p0',
      resource_link_id: `rl-${o.lab ?? 'none'}`,
      user_id: o.user,
      roles: 'Learner',
      ...(o.course ? { context_id: o.course } : {}),
      lis_person_name_given: 'Ada',
      lis_person_name_family: 'Lovelace',
      ...(o.lab ? { custom_lab: o.lab } : {}),
      tool_consumer_info_product_family_code: 'moodle',
    },
    creds,
    {
      timestamp: Math.floor(clock.now() / 1000),
      nonce: `nonce-${++nonces}-${Math.random().toString(36).slice(2)}`,
    },
  )
  return new URLSearchParams(pairs)
}

/** Posts a launch form as the learner's browser does. */
export const postLti11 = (h: Harness, form: URLSearchParams) =>
  fetch(`${h.url}/lti/1.1/launch`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
    redirect: 'manual',
  })

/** Follows redirects from `url` (at most 8) in `browser`; returns the last answer and where it was. */
export async function follow(
  browser: CookieClient,
  url: string,
): Promise<{ res: Response; url: string; hops: string[] }> {
  const hops = [url]
  let res = await browser.get(url)
  for (let i = 0; i < 8 && res.status >= 300 && res.status < 400; i++) {
    url = new URL(res.headers.get('location')!, url).toString()
    hops.push(url)
    res = await browser.get(url)
  }
  return { res, url, hops }
}

/** The session name in a URL of it (`/workshops/session/<name>/…`, `/sessions/<name>/…`). */
export function sessionIn(url: string): string {
  const m = /\/(?:workshops\/session|sessions)\/([\w-]+)\//.exec(url)
  if (!m) throw new Error(`no session in ${url}`)
  return m[1]!
}

/** The administrator `by` of LMS `lms`, as the LMS admin's use cases take them. */
export async function adminContext(
  h: Harness,
  lms: string,
  clock: Clock,
  by = 'Ada Admin',
): Promise<LmsAdminContext & { portalUrl: string }> {
  const registration = h.lg.deps.portal.labgate.lms.find((l) => l.name === lms)
  if (!registration) throw new Error(`no LMS ${lms}`)
  const key = Buffer.from((await h.lg.deps.store.getSetting('server.key'))!, 'base64')
  return {
    lms: registration,
    by,
    gateway: h.lg.db.lmsGateway,
    audit: h.lg.db.audit,
    clock,
    key,
    portalUrl: h.url,
  }
}
