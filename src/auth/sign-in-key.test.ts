import { hkdfSync } from 'node:crypto'
import { CompactEncrypt, compactDecrypt } from 'jose'
import { describe, expect, it } from 'vitest'
import { SignInKeys, type SignInPath } from './sign-in-key.js'

const SECRET = 'a server secret of at least sixteen bytes'
const PATH: SignInPath = {
  userId: 'u1',
  clientId: 'c1',
  userSignInId: 'us1',
  clientSignInId: 'cs1',
  grantId: 'g1',
}
/** The key SignInKeys derives, for sealing and opening with jose (a JWE library of its own). */
const derived = new Uint8Array(
  hkdfSync('sha256', Buffer.from(SECRET), 'labgate', 'labgate session keys v1', 32),
)

describe('sign-in keys', () => {
  it('seal a path that opens again, never the same text twice', async () => {
    const keys = new SignInKeys(SECRET)
    const a = await keys.seal(PATH)
    const b = await keys.seal(PATH)
    expect(a).not.toBe(b)
    expect(await keys.open(a)).toEqual(PATH)
    const { grantId: _g, ...noGrant } = PATH
    expect(await keys.open(await keys.seal(noGrant))).toEqual(noGrant)
  })

  it('are compact JWEs (dir, A256GCM) that another implementation reads and writes', async () => {
    const keys = new SignInKeys(SECRET)
    const { plaintext, protectedHeader } = await compactDecrypt(await keys.seal(PATH), derived)
    expect(protectedHeader).toEqual({ alg: 'dir', enc: 'A256GCM' })
    expect(JSON.parse(new TextDecoder().decode(plaintext))).toEqual({
      u: 'u1',
      c: 'c1',
      us: 'us1',
      cs: 'cs1',
      g: 'g1',
    })
    // A key sealed before, by jose, still opens.
    const old = await new CompactEncrypt(
      new TextEncoder().encode(JSON.stringify({ u: 'u2', c: 'c2', us: 'us2', cs: 'cs2' })),
    )
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .encrypt(derived)
    expect(await keys.open(old)).toEqual({
      userId: 'u2',
      clientId: 'c2',
      userSignInId: 'us2',
      clientSignInId: 'cs2',
    })
  })

  it('open nothing tampered with, malformed, or sealed under another secret', async () => {
    const keys = new SignInKeys(SECRET)
    const key = await keys.seal(PATH)
    const parts = key.split('.')
    const flip = (i: number) => {
      const p = [...parts]
      const s = p[i]!
      p[i] = s.slice(0, 2) + (s[2] === 'A' ? 'B' : 'A') + s.slice(3)
      return p.join('.')
    }
    for (const i of [0, 2, 3, 4]) expect(await keys.open(flip(i))).toBeNull()
    expect(await new SignInKeys('another secret, sixteen bytes+').open(key)).toBeNull()
    for (const bad of ['', 'x', 'a.b.c.d.e', `${parts[0]}.x.${parts.slice(2).join('.')}`, `${key}.more`])
      expect(await keys.open(bad)).toBeNull()
    // A header other than the one seal writes is refused, even with a valid tag over it.
    const other = await new CompactEncrypt(new TextEncoder().encode('{"u":"u","c":"c","us":"s","cs":"t"}'))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: 'x' })
      .encrypt(derived)
    expect(await keys.open(other)).toBeNull()
  })
})
