/**
 * The `state` and `nonce` of an LTI 1.3 login, bound to the browser that started it and kept nowhere on
 * the server: the state is random and goes into a short-lived cookie; the nonce is derived from the state
 * with a server key (HMAC), so the launch can check that the id_token answers this very login. Replays of
 * one id_token are stopped by the caller, which records each nonce once.
 */
import { createHmac } from 'node:crypto'
import { constantTimeEqual, randomToken } from '../../auth/secrets.js'

/** How long a login may take between the platform's redirect and its launch, seconds. */
export const STATE_TTL_S = 600

/** A fresh login's state (for the cookie and the authentication request) and nonce. */
export function newLoginState(key: Uint8Array): { state: string; nonce: string } {
  const state = randomToken(32)
  return { state, nonce: nonceOf(key, state) }
}

/** The nonce bound to `state`. */
export function nonceOf(key: Uint8Array, state: string): string {
  return createHmac('sha256', key).update(`labgate lti13 nonce\n${state}`).digest('base64url')
}

export type StateCheck =
  { ok: true } | { ok: false; reason: 'no_state_cookie' | 'state_mismatch' | 'nonce_mismatch' }

/**
 * Checks a launch: the form's `state` must equal the browser's state cookie (absent when the browser
 * refused the cookie, as third-party iframes may), and the id_token's nonce must be the one derived from
 * it. Constant-time comparisons.
 */
export function checkLaunchState(
  key: Uint8Array,
  o: { formState: string | null; cookieState: string | null; nonce: string },
): StateCheck {
  if (!o.cookieState) return { ok: false, reason: 'no_state_cookie' }
  if (!o.formState || !constantTimeEqual(o.formState, o.cookieState))
    return { ok: false, reason: 'state_mismatch' }
  if (!constantTimeEqual(o.nonce, nonceOf(key, o.cookieState))) return { ok: false, reason: 'nonce_mismatch' }
  return { ok: true }
}

/**
 * The state cookie: `SameSite=None; Secure; Partitioned`, so that it comes back with the platform's
 * cross-site form post, also inside the LMS's iframe (a partitioned cookie survives where third-party
 * cookies are blocked). Only over https; `path` is where the launch is posted.
 */
export function stateCookie(name: string, state: string, path: string): string {
  return `${name}=${state}; Path=${path}; Max-Age=${STATE_TTL_S}; HttpOnly; SameSite=None; Secure; Partitioned`
}
