import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../domain/clock.js'
import { SIGNING_KEYS_SETTING, SigningKeys } from './signing-keys.js'
import { MemorySettings } from '../../test/memory-settings.js'

const memoryStore = () => {
  const store = new MemorySettings()
  return Object.assign(store, { m: store.values })
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
  it('agree on one first key when several processes sharing the store start together', async () => {
    const store = memoryStore()
    // Two labgate processes on one database, each with its own ring, signing at once.
    const rings = [0, 1, 2].map(() => new SigningKeys({ store, clock: new ManualClock(), secret }))
    const tokens = await Promise.all(rings.map((r) => r.sign({ sub: 'u' })))
    const jwks = createLocalJWKSet(await rings[0]!.jwks())
    expect((await rings[0]!.jwks()).keys).toHaveLength(1)
    for (const t of tokens) await expect(jwtVerify(t, jwks)).resolves.toBeDefined()
  })
})
