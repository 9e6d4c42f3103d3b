import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../domain/clock.js'
import { SIGNING_KEYS_SETTING, SigningKeys } from './signing-keys.js'

const memoryStore = () => {
  const m = new Map<string, string>()
  return {
    m,
    getSetting: async (k: string) => m.get(k) ?? null,
    setSetting: async (k: string, v: string) => void m.set(k, v),
  }
}
const secret = new Uint8Array(32).fill(7)

describe('SigningKeys', () => {
  it('creates one key on first use, persists it encrypted, and serves only public halves', async () => {
    const store = memoryStore()
    const keys = new SigningKeys({ store, clock: new ManualClock(), secret })
    const jwks = await keys.jwks()
    expect(jwks.keys).toHaveLength(1)
    expect(jwks.keys[0]!.d).toBeUndefined()
    expect(store.m.get(SIGNING_KEYS_SETTING)).not.toMatch(/"d"\s*:/)
    expect((await new SigningKeys({ store, clock: new ManualClock(), secret }).jwks()).keys).toEqual(
      jwks.keys,
    )
  })

  it('keeps a rotated-out key published until its tokens have expired', async () => {
    const store = memoryStore()
    const clock = new ManualClock()
    const keys = new SigningKeys({ store, clock, secret, maxTokenLifetime: 3600 })
    const now = Math.floor(clock.now() / 1000)
    const old = await keys.sign({ sub: 'u', iat: now, exp: now + 3600 })
    const kid = await keys.rotateSigningKey()
    expect(decodeProtectedHeader(await keys.sign({ sub: 'u' })).kid).toBe(kid)
    const jwks = await keys.jwks()
    expect(jwks.keys).toHaveLength(2)
    await jwtVerify(old, createLocalJWKSet(jwks), { currentDate: new Date(clock.now()) })
    clock.advance(3600_000 + 1)
    const later = await keys.jwks()
    expect(later.keys.map((k) => k.kid)).toEqual([kid])
  })

  it('cannot sign with a different server secret', async () => {
    const store = memoryStore()
    await new SigningKeys({ store, clock: new ManualClock(), secret }).jwks()
    const other = new SigningKeys({ store, clock: new ManualClock(), secret: new Uint8Array(32).fill(8) })
    await expect(other.sign({ sub: 'u' })).rejects.toThrow()
  })
})
