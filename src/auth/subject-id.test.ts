import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ephemeralSub, pairwiseSub, publicSub, subjectId } from './subject-id.js'

describe('subject identifiers', () => {
  it('public is the user id', () => {
    expect(publicSub('diana')).toBe('diana')
    expect(subjectId('public', { userId: 'diana', salt: 's' })).toBe('diana')
  })

  it('pairwise is HMAC-SHA256(salt, sector|user) in base64url', () => {
    const want = createHmac('sha256', 'salt').update('https://a.example|diana').digest('base64url')
    expect(pairwiseSub('salt', 'https://a.example', 'diana')).toBe(want)
    expect(pairwiseSub('salt', 'https://a.example', 'diana')).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(pairwiseSub('salt', 'https://b.example', 'diana')).not.toBe(want)
    expect(pairwiseSub('other', 'https://a.example', 'diana')).not.toBe(want)
  })

  it('pairwise needs a sector identifier and a salt', () => {
    expect(() => pairwiseSub('salt', '', 'diana')).toThrow(/sector identifier/)
    expect(() => subjectId('pairwise', { userId: 'diana', salt: 'salt' })).toThrow(/sector identifier/)
    expect(() => pairwiseSub('', 'https://a.example', 'diana')).toThrow(/salt/)
  })

  it('ephemeral is random every time', () => {
    expect(ephemeralSub()).not.toBe(ephemeralSub())
    expect(ephemeralSub()).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })
})
