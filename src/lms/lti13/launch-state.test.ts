import { describe, expect, it } from 'vitest'
import { checkLaunchState, newLoginState, nonceOf, stateCookie } from './launch-state.js'

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

  it('sets a cookie that comes back cross-site and inside an iframe', () => {
    expect(stateCookie('labgate_lti_state', 's', '/lti/1.3/')).toBe(
      'labgate_lti_state=s; Path=/lti/1.3/; Max-Age=600; HttpOnly; SameSite=None; Secure; Partitioned',
    )
  })
})
