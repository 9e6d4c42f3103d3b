import { describe, expect, it } from 'vitest'
import {
  carriedLogin,
  checkLaunchState,
  newLoginState,
  nonceOf,
  stateCookie,
  stateCookieName,
} from './launch-state.js'

const key = new Uint8Array(32).fill(3)

describe('the LTI 1.3 login state', () => {
  it('binds the nonce to the state with the server key', () => {
    const a = newLoginState(key)
    const b = newLoginState(key)
    expect(a.state).not.toBe(b.state)
    expect(a.nonce).toBe(nonceOf(key, a.state))
    expect(nonceOf(new Uint8Array(32).fill(4), a.state)).not.toBe(a.nonce)
    expect(checkLaunchState(key, { formState: a.state, cookieState: a.state, nonce: a.nonce })).toEqual({
      ok: true,
    })
  })

  it("refuses a launch without the browser's cookie, another login's state or nonce", () => {
    const a = newLoginState(key)
    const b = newLoginState(key)
    expect(checkLaunchState(key, { formState: a.state, cookieState: null, nonce: a.nonce })).toEqual({
      ok: false,
      reason: 'no_state_cookie',
    })
    expect(checkLaunchState(key, { formState: b.state, cookieState: a.state, nonce: a.nonce })).toMatchObject(
      {
        reason: 'state_mismatch',
      },
    )
    expect(checkLaunchState(key, { formState: null, cookieState: a.state, nonce: a.nonce })).toMatchObject({
      reason: 'state_mismatch',
    })
    expect(checkLaunchState(key, { formState: a.state, cookieState: a.state, nonce: b.nonce })).toMatchObject(
      {
        reason: 'nonce_mismatch',
      },
    )
  })

  it('sets a cookie of its own per login that comes back cross-site and inside an iframe', () => {
    const { state } = newLoginState(key)
    const name = stateCookieName(state)
    expect(name).toMatch(/^lti13_state_[\w-]{16}$/)
    expect(stateCookie(state, '/lti/1.3/')).toBe(
      `${name}=${state}; Path=/lti/1.3/; Max-Age=600; HttpOnly; SameSite=None; Secure; Partitioned`,
    )
    expect(stateCookieName(newLoginState(key).state)).not.toBe(name)
  })

  it('carries the login so that it can start again, under the nonce', () => {
    const login = {
      iss: 'https://lms.example',
      loginHint: 'u 1',
      targetLinkUri: 'https://labs.example/lti/1.3/launch?lab=a',
      ltiMessageHint: 'm',
      deploymentId: null,
      clientId: 'c',
    }
    const a = newLoginState(key, login)
    const random = a.state.split('.')[0]!
    expect(stateCookie(a.state, '/p')).toContain(`=${random};`)
    expect(checkLaunchState(key, { formState: a.state, cookieState: random, nonce: a.nonce })).toEqual({
      ok: true,
    })
    expect(Object.fromEntries(carriedLogin(a.state)!)).toEqual({
      iss: 'https://lms.example',
      login_hint: 'u 1',
      target_link_uri: 'https://labs.example/lti/1.3/launch?lab=a',
      lti_message_hint: 'm',
      client_id: 'c',
    })
    // Changing what it carries breaks the nonce.
    const forged = `${random}.${Buffer.from('{"iss":"https://evil"}').toString('base64url')}`
    expect(checkLaunchState(key, { formState: forged, cookieState: random, nonce: a.nonce })).toMatchObject({
      reason: 'nonce_mismatch',
    })
    expect(carriedLogin(random)).toBeNull()
    expect(carriedLogin(`${random}.%%%`)).toBeNull()
  })
})
