import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../domain/clock.js'
import { TOOL_KEYS_SETTING, toolKeys, toolSigner } from './tool-keys.js'
import { MemorySettings } from '../../../test/memory-settings.js'

describe("the LTI tool's keys", () => {
  it('sign RS256 with a kid the JWKS publishes, kept apart from the OIDC keys, through a rotation', async () => {
    const store = new MemorySettings()
    const clock = new ManualClock()
    const keys = toolKeys({ store, clock, secret: new Uint8Array(32).fill(7) })
    const first = await toolSigner(keys)({ iss: 'tool', aud: 'lms' })
    expect(decodeProtectedHeader(first).alg).toBe('RS256')
    const jwks = await keys.jwks()
    expect(jwks.keys).toEqual([expect.objectContaining({ kty: 'RSA', alg: 'RS256', use: 'sig' })])
    expect(JSON.stringify(jwks)).not.toMatch(/"d":/)
    await jwtVerify(first, createLocalJWKSet(jwks), { issuer: 'tool', audience: 'lms' })
    expect([...store.values.keys()]).toEqual([TOOL_KEYS_SETTING])
    expect(store.values.has('oauth.signing_keys')).toBe(false)

    await keys.rotateSigningKey()
    const second = await toolSigner(keys)({ iss: 'tool' })
    const after = await keys.jwks()
    expect(after.keys).toHaveLength(2)
    // what the retired key signed still verifies, and the new key signs now
    await jwtVerify(first, createLocalJWKSet(after))
    expect(decodeProtectedHeader(second).kid).toBe(after.keys[0]!.kid)
    clock.advance(25 * 3600_000)
    expect((await keys.jwks()).keys).toHaveLength(1)
  })
})
