import { describe, expect, it } from 'vitest'
import { constantTimeEqual, hashPassword, hashToken, randomToken, verifyPassword } from './secrets.js'

describe('secrets', () => {
  it('random tokens are base64url with at least 128 bits', () => {
    const t = randomToken()
    expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(randomToken()).not.toBe(t)
    expect(randomToken(16)).toHaveLength(22)
    expect(() => randomToken(8)).toThrow(RangeError)
  })

  it('random tokens stay distinct across many batches of random bytes, whatever their sizes', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 3000; i++) seen.add(randomToken(16 + (i % 40)))
    expect(seen.size).toBe(3000)
    expect(randomToken(5000)).toMatch(/^[A-Za-z0-9_-]{6667}$/)
  })

  it('hashes tokens with sha256 hex', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })

  it('compares strings in constant time', () => {
    expect(constantTimeEqual('secret', 'secret')).toBe(true)
    expect(constantTimeEqual('secret', 'secreT')).toBe(false)
    expect(constantTimeEqual('secret', 'secret-longer')).toBe(false)
    expect(constantTimeEqual('', '')).toBe(true)
  })

  it('hashes passwords with scrypt in a self-describing format', async () => {
    const h = await hashPassword('correct horse')
    expect(h).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/)
    expect(await hashPassword('correct horse')).not.toBe(h)
    expect(await verifyPassword('correct horse', h)).toBe(true)
    expect(await verifyPassword('correct horsE', h)).toBe(false)
    expect(await verifyPassword('correct horse', null)).toBe(false)
  })

  it('rejects malformed or abusive stored hashes without throwing', async () => {
    const h = await hashPassword('pw')
    const [, , r, p, salt, key] = h.split('$')
    for (const bad of [
      '',
      'plain',
      `bcrypt$1$2$3$4$5`,
      `scrypt$1000$${r}$${p}$${salt}$${key}`,
      `scrypt$${2 ** 24}$${r}$${p}$${salt}$${key}`,
      `scrypt$32768$${r}$${p}$${salt}$`,
    ])
      expect(await verifyPassword('pw', bad)).toBe(false)
  })
})
