/**
 * The first step of a learner's way into a session, which ends with the session's activation URL in the
 * browser: the robot's request (an Educates front end such as a training portal's hub) or an LMS launch
 * (lti-launch.ts). `openSession` (terminal-figures.ts) times it and then follows the URL the same way for
 * both.
 */
import type { PortalApi } from './api.js'
import type { CookieJar } from './browser.js'
import { requested } from './figures.js'
import type { HttpClient } from './http.js'
import { now } from './stats.js'

/** Where the first step left the learner. */
export interface Arrival {
  /** The session's name. */
  name: string
  /** Its activation URL, relative to the portal. */
  url: string
  /** ms of each part of the step, in the order they ran (e.g. `request`; `login`, `sign`, `launch`). */
  times: Record<string, number>
  /** The cookies the learner's browser got on the way, which it keeps; none: a fresh browser. */
  jar?: CookieJar
}

/**
 * Runs the first step for one new learner over `http` (the browser's keep-alive pool, where the step is
 * the browser's); throws when an answer is not what the flow needs.
 */
export type Arrive = (http: HttpClient) => Promise<Arrival>

/**
 * The robot requests a session of `env` for `user` (over the robot's own connection, as a front end's
 * server would) and hands the browser the activation URL: one part, `request`.
 */
export function robotRequest(api: PortalApi, env: string, user: string): Arrive {
  return async () => {
    const t0 = now()
    const r = requested(await api.get(api.requestPath(env, user)))
    return { name: r.name, url: r.url, times: { request: now() - t0 } }
  }
}
