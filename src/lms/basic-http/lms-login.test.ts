import { describe, expect, it } from 'vitest'
import type { LmsRegistration } from '../../config/types.js'
import { authenticateLms, basicLogin, jsonLogin, sameSecret } from './lms-login.js'

const b64 = (s: string) => Buffer.from(s).toString('base64')
const lms = (name: string, username: string, password: string): LmsRegistration => ({
  name,
  basicHttp: { username, password },
  labs: [],
  timeZone: 'UTC',
})
const registered = [
  lms('moodle', 'm', 'pw-m'),
  { name: 'lti-only', lti11: { key: 'k', secret: 's' }, labs: [], timeZone: 'UTC' },
]

describe('basic-HTTP LMS login', () => {
  it('reads an HTTP Basic header, the password being all after the first colon', () => {
    expect(basicLogin(`Basic ${b64('m:pw:with:colons')}`)).toEqual({
      username: 'm',
      password: 'pw:with:colons',
    })
    expect(basicLogin(`basic   ${b64('m:')}`)).toEqual({ username: 'm', password: '' })
    for (const h of [undefined, '', 'Bearer abc', `Basic ${b64('no-colon')}`, 'Basic !!!'])
      expect(basicLogin(h)).toBeNull()
  })

  it('reads the login in the JSON only when both are strings', () => {
    expect(jsonLogin({ lms_username: 'm', lms_password: 'p' })).toEqual({ username: 'm', password: 'p' })
    expect(jsonLogin({ lms_username: 'm' })).toBeNull()
    expect(jsonLogin({ lms_username: 'm', lms_password: 1 })).toBeNull()
    expect(jsonLogin(null)).toBeNull()
  })

  it('finds the LMS of a matching login, and tells a wrong password from an unknown user', () => {
    expect(authenticateLms(registered, { username: 'm', password: 'pw-m' }).lms?.name).toBe('moodle')
    expect(authenticateLms(registered, { username: 'm', password: 'pw-M' })).toEqual({
      lms: null,
      known: registered[0],
    })
    expect(authenticateLms(registered, { username: 'k', password: 's' })).toEqual({ lms: null, known: null })
    expect(authenticateLms(registered, { username: 'x', password: '\0no password' })).toEqual({
      lms: null,
      known: null,
    })
  })

  it('compares secrets of any lengths', () => {
    expect(sameSecret('abc', 'abc')).toBe(true)
    expect(sameSecret('abc', 'abcd')).toBe(false)
    expect(sameSecret('', 'x'.repeat(1000))).toBe(false)
  })
})
