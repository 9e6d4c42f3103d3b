/**
 * Session keys: the path user → client session → grant, sealed (JWE `dir` + `A256GCM`) so a key reveals
 * nothing, cannot be forged, and the same path gives a different key every time it is sealed.
 */
import { hkdfSync } from 'node:crypto'
import { CompactEncrypt, compactDecrypt } from 'jose'

/** What a session key points at. */
export interface SessionPath {
  userId: string
  clientId: string
  userSessionId: string
  clientSessionId: string
  /** Present once a grant has been added to the session. */
  grantId?: string
}

interface Sealed {
  u: string
  c: string
  us: string
  cs: string
  g?: string
}

/** Seals and opens session keys with a key derived (HKDF-SHA256) from the server secret. */
export class SessionKeys {
  readonly #key: Uint8Array

  /** `secret` is the server secret (≥ 16 bytes; 32 random bytes recommended). Throws RangeError if shorter. */
  constructor(secret: string | Uint8Array) {
    const ikm = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret
    if (ikm.length < 16) throw new RangeError('the server secret must be at least 16 bytes')
    this.#key = new Uint8Array(hkdfSync('sha256', ikm, 'labgate', 'labgate session keys v1', 32))
  }

  /** A fresh opaque key for `path` (random IV: never the same string twice). */
  async seal(path: SessionPath): Promise<string> {
    const payload: Sealed = {
      u: path.userId,
      c: path.clientId,
      us: path.userSessionId,
      cs: path.clientSessionId,
    }
    if (path.grantId !== undefined) payload.g = path.grantId
    return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .encrypt(this.#key)
  }

  /** The path sealed in `key`, or null when the key is malformed, tampered with or sealed by another secret. */
  async open(key: string): Promise<SessionPath | null> {
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
      const path: SessionPath = { userId: p.u, clientId: p.c, userSessionId: p.us, clientSessionId: p.cs }
      if (typeof p.g === 'string') path.grantId = p.g
      return path
    } catch {
      return null
    }
  }
}
