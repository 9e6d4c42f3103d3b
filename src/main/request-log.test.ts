import { describe, expect, it } from 'vitest'
import { REQUEST_ID, basicAuthUser } from './request-log.js'

const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`

describe('basicAuthUser', () => {
  it('gives the user name (a client id) of a Basic header, never the password', () => {
    expect(basicAuthUser(basic('robot-client:s3cret'))).toBe('robot-client')
    expect(basicAuthUser(basic('my%20client:x'))).toBe('my client')
    expect(basicAuthUser(basic('a:b:c'))).toBe('a')
  })

  it('gives nothing for other schemes and malformed headers', () => {
    expect(basicAuthUser(undefined)).toBeUndefined()
    expect(basicAuthUser('Bearer abc')).toBeUndefined()
    expect(basicAuthUser(basic('no-colon'))).toBeUndefined()
    expect(basicAuthUser(basic(':password-only'))).toBeUndefined()
    expect(basicAuthUser('Basic !!!')).toBeUndefined()
  })
})

describe('REQUEST_ID', () => {
  it('keeps ids of safe characters up to 128 long', () => {
    expect(REQUEST_ID.test('3f2a9c1e-0d4b-4e57-9a63-1b2c3d4e5f60')).toBe(true)
    expect(REQUEST_ID.test('trace.abc:1_2')).toBe(true)
    expect(REQUEST_ID.test('a'.repeat(128))).toBe(true)
  })

  it('refuses empty, long, spaced or injected ones', () => {
    for (const bad of ['', 'a'.repeat(129), 'a b', 'a\nb', '"quoted"', '-leading', 'ünï'])
      expect(REQUEST_ID.test(bad), bad).toBe(false)
  })
})
