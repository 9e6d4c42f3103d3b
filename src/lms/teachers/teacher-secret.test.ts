import { describe, expect, it } from 'vitest'
import { deriveSecret, hashSecret, newTeacherKey, secretOf } from './teacher-secret.js'

const serverKey = new Uint8Array(32).fill(7)

describe("teachers' LTI 1.1 secrets", () => {
  it('derives the secret shown once again from the stored salt, and stores only its hash', () => {
    const k = newTeacherKey(serverKey)
    expect(k.key).toMatch(/^lgt-[A-Za-z0-9_-]{16}$/)
    expect(k.secret).toHaveLength(43)
    expect(k.secretHash).toBe(hashSecret(k.secret))
    expect(k.secretHash).not.toContain(k.secret)
    expect(secretOf(serverKey, k)).toBe(k.secret)
  })

  it('gives a different secret per key and salt', () => {
    const a = newTeacherKey(serverKey)
    const b = newTeacherKey(serverKey)
    expect(a.key).not.toBe(b.key)
    expect(a.secret).not.toBe(b.secret)
    expect(deriveSecret(serverKey, a.key, b.salt)).not.toBe(a.secret)
  })

  it('yields nothing once the server key changed, or for a tampered hash', () => {
    const k = newTeacherKey(serverKey)
    expect(secretOf(new Uint8Array(32).fill(8), k)).toBeNull()
    expect(secretOf(serverKey, { ...k, secretHash: hashSecret('guess') })).toBeNull()
    expect(secretOf(serverKey, { ...k, salt: `${k.salt}x` })).toBeNull()
  })
})
