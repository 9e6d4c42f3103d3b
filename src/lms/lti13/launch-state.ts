/**
 * The `state` and `nonce` of an LTI 1.3 login, bound to the browser that started it and kept nowhere on
 * the server. The state is `<random>.<carried login>`: the random part goes into a short-lived cookie of
 * this login's own (two tabs logging in at once do not overwrite each other's), the carried part is the
 * login initiation itself, so that a launch whose browser refused the cookie (a third-party iframe) can
 * start the login again in a new window. The nonce is derived from the whole state with a server key
 * (HMAC), so the launch can check that the id_token answers this very login and that nobody changed the
 * carried part. Replays of one id_token are stopped by the caller, which records each nonce once.
 */
import { createHmac } from 'node:crypto'
import { constantTimeEqual, randomToken } from '../../auth/secrets.js'
import type { LoginInitiation } from './login-initiation.js'

/** How long a login may take between the platform's redirect and its launch, seconds. */
export const STATE_TTL_S = 600

/** The prefix of the state cookies' names; the rest of the name comes from the state. */
const COOKIE_PREFIX = 'lti13_state_'

/** A fresh login's state (for the cookie and the authentication request) and nonce. */
export function newLoginState(key: Uint8Array, login?: LoginInitiation): { state: string; nonce: string } {
  const random = randomToken(24)
  const state = login ? `${random}.${carry(login)}` : random
  return { state, nonce: nonceOf(key, state) }
}

/** The nonce bound to `state`. */
export function nonceOf(key: Uint8Array, state: string): string {
  return createHmac('sha256', key).update(`labgate lti13 nonce\n${state}`).digest('base64url')
}

/** The random part of a state: what its cookie holds. */
const randomOf = (state: string) => state.split('.', 1)[0]!

/** The name of the cookie that holds `state`'s random part (`[A-Za-z0-9_-]`: a valid cookie name). */
export function stateCookieName(state: string): string {
  return COOKIE_PREFIX + randomOf(state).slice(0, 16)
}

export type StateCheck =
  { ok: true } | { ok: false; reason: 'no_state_cookie' | 'state_mismatch' | 'nonce_mismatch' }

/**
 * Checks a launch: the form's `state` must match the browser's state cookie (absent when the browser
 * refused the cookie, as third-party iframes may), and the id_token's nonce must be the one derived from
 * the state. Constant-time comparisons.
 */
export function checkLaunchState(
  key: Uint8Array,
  o: { formState: string | null; cookieState: string | null; nonce: string },
): StateCheck {
  if (!o.cookieState) return { ok: false, reason: 'no_state_cookie' }
  if (!o.formState || !constantTimeEqual(randomOf(o.formState), o.cookieState))
    return { ok: false, reason: 'state_mismatch' }
  if (!constantTimeEqual(o.nonce, nonceOf(key, o.formState))) return { ok: false, reason: 'nonce_mismatch' }
  return { ok: true }
}

/**
 * The state cookie of `state`: `SameSite=None; Secure; Partitioned`, so that it comes back with the
 * platform's cross-site form post, also inside the LMS's iframe (a partitioned cookie survives where
 * third-party cookies are blocked). Browsers keep `Secure` cookies only from https (and localhost); `path`
 * is where the launch is posted.
 */
export function stateCookie(state: string, path: string): string {
  return `${stateCookieName(state)}=${randomOf(state)}; Path=${path}; Max-Age=${STATE_TTL_S}; HttpOnly; SameSite=None; Secure; Partitioned`
}

/** The header that clears `state`'s cookie once the launch used it. */
export function clearStateCookie(state: string, path: string): string {
  return `${stateCookieName(state)}=; Path=${path}; Max-Age=0; HttpOnly; SameSite=None; Secure; Partitioned`
}

function carry(login: LoginInitiation): string {
  const fields = {
    iss: login.iss,
    login_hint: login.loginHint,
    target_link_uri: login.targetLinkUri,
    ...(login.ltiMessageHint && { lti_message_hint: login.ltiMessageHint }),
    ...(login.deploymentId && { lti_deployment_id: login.deploymentId }),
    ...(login.clientId && { client_id: login.clientId }),
  }
  return Buffer.from(JSON.stringify(fields)).toString('base64url')
}

/**
 * The login initiation a state carries, as query parameters to start it again, or null when the state
 * carries none (or something unreadable). Only trust it after the nonce check: the HMAC covers it.
 */
export function carriedLogin(state: string): URLSearchParams | null {
  const dot = state.indexOf('.')
  if (dot < 0) return null
  try {
    const fields = JSON.parse(Buffer.from(state.slice(dot + 1), 'base64url').toString('utf8')) as unknown
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return null
    const entries = Object.entries(fields).filter((e): e is [string, string] => typeof e[1] === 'string')
    return new URLSearchParams(entries)
  } catch {
    return null
  }
}
