/**
 * Sign-in keys: the path user → client sign-in → grant, sealed (JWE `dir` + `A256GCM`) so a key reveals
 * nothing, cannot be forged, and the same path gives a different key every time it is sealed.
 */
import { hkdfSync } from 'node:crypto'
import { CompactEncrypt, compactDecrypt } from 'jose'

/** What a sign-in key points at. */
export interface SignInPath {
  userId: string
  clientId: string
  userSignInId: string
  clientSignInId: string
  /** Present once a grant has been added to the sign-in. */
  grantId?: string
}

interface Sealed {
  u: string
  c: string
  us: string
  cs: string
  g?: string
}

/** Seals and opens sign-in keys with a key derived (HKDF-SHA256) from the server secret. */
export class SignInKeys {
  readonly #key: Uint8Array

  /** `secret` is the server secret (≥ 16 bytes; 32 random bytes recommended). Throws RangeError if shorter. */
  constructor(secret: string | Uint8Array) {
    const ikm = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret
    if (ikm.length < 16) throw new RangeError('the server secret must be at least 16 bytes')
    // the derivation's label predates the word "sign-in": changing it would void every issued key
    this.#key = new Uint8Array(hkdfSync('sha256', ikm, 'labgate', 'labgate session keys v1', 32))
  }

  /** A fresh opaque key for `path` (random IV: never the same string twice). */
  async seal(path: SignInPath): Promise<string> {
    const payload: Sealed = {
      u: path.userId,
      c: path.clientId,
      us: path.userSignInId,
      cs: path.clientSignInId,
    }
    if (path.grantId !== undefined) payload.g = path.grantId
    return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .encrypt(this.#key)
  }

  /** The path sealed in `key`, or null when the key is malformed, tampered with or sealed by another secret. */
  async open(key: string): Promise<SignInPath | null> {
    try {
      const { plaintext } = await compactDecrypt(key, this.#key, {
        keyManagementAlgorithms: ['dir'],
        contentEncryptionAlgorithms: ['A256GCM'],
      })
      const p = JSON.parse(new TextDecoder().decode(plaintext)) as Partial<Sealed>
      if (
        typeof p.u !== 'string' ||
        typeof p.c !== 'string' ||
        typeof p.us !== 'string' ||
        typeof p.cs !== 'string'
      )
        return null
      const path: SignInPath = { userId: p.u, clientId: p.c, userSignInId: p.us, clientSignInId: p.cs }
      if (typeof p.g === 'string') path.grantId = p.g
      return path
    } catch {
      return null
    }
  }
}
