import { describe, expect, it } from 'vitest'
import { parseTrustProxy } from './trust-proxy.js'

describe('parseTrustProxy', () => {
  it('accepts true, false, hop counts and address lists; rejects the rest', () => {
    expect(parseTrustProxy('true')).toBe(true)
    expect(parseTrustProxy('false')).toBe(false)
    expect(parseTrustProxy('2')).toBe(2)
    expect(parseTrustProxy('127.0.0.1, 10.0.0.0/8,::1')).toEqual(['127.0.0.1', '10.0.0.0/8', '::1'])
    for (const bad of ['yes', '10.0.0.0/33', 'proxy.example', '1.2.3.4/8/1'])
      expect(() => parseTrustProxy(bad)).toThrow(/trust-proxy/)
  })
})
