import { describe, expect, it } from 'vitest'
import { bearerToken } from './bearer.js'
import { cookieFrom, serializeCookie } from './cookies.js'
import { sessionDeletedUrl } from './index-url.js'
import { presentSchedule } from './present-schedule.js'
import { withTrailingSlash } from './trailing-slash.js'

describe('cookies', () => {
  it('reads the first cookie of a name, decoded; malformed encoding is no cookie', () => {
    expect(cookieFrom('a=1; b=x%20y; b=2', 'b')).toBe('x y')
    expect(cookieFrom('a=%E0%A4%A', 'a')).toBeNull()
    expect(cookieFrom(undefined, 'a')).toBeNull()
  })

  it('writes Set-Cookie values in one attribute order', () => {
    expect(serializeCookie('labgate_auth', 'v', { sameSite: 'Lax', maxAge: 60, secure: false })).toBe(
      'labgate_auth=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=60',
    )
    expect(serializeCookie('c', 't', { sameSite: 'Strict', secure: true })).toBe(
      'c=t; Path=/; HttpOnly; SameSite=Strict; Secure',
    )
    expect(serializeCookie('s', '', { path: '/sessions/x/', sameSite: 'Lax', maxAge: 0, secure: true })).toBe(
      's=; Path=/sessions/x/; HttpOnly; SameSite=Lax; Max-Age=0; Secure',
    )
  })
})

describe('bearerToken', () => {
  it('takes one token after a case-insensitive Bearer', () => {
    expect(bearerToken('Bearer abc')).toBe('abc')
    expect(bearerToken('bearer   abc  ')).toBe('abc')
    expect(bearerToken('Basic abc')).toBeNull()
    expect(bearerToken('Bearer a b')).toBeNull()
    expect(bearerToken(undefined)).toBeNull()
  })
})

describe('the rest of the kit', () => {
  it('adds the trailing slash before the query', () => {
    expect(withTrailingSlash('/a?b=1/')).toBe('/a/?b=1/')
    expect(withTrailingSlash('/a')).toBe('/a/')
  })

  it('sends an ended session back to its index with session-deleted', () => {
    expect(sessionDeletedUrl('https://lms.test/?notification=x&a=1')).toBe(
      'https://lms.test/?notification=session-deleted&a=1',
    )
    expect(sessionDeletedUrl(null)).toBeNull()
  })

  it('presents epoch times as ISO strings, keeping the other fields in place', () => {
    expect(
      JSON.stringify(presentSchedule({ status: 'RUNNING', started: 0, expires: null, extended: true })),
    ).toBe('{"status":"RUNNING","started":"1970-01-01T00:00:00.000Z","expires":null,"extended":true}')
  })
})
