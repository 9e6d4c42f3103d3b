/**
 * Sign-in keys: the path user → client sign-in → grant, sealed (JWE `dir` + `A256GCM`) so a key reveals
 * nothing, cannot be forged, and the same path gives a different key every time it is sealed.
 *
 * The JWE compact serialization (RFC 7516) is written and read here with node:crypto's AES-GCM, on the
 * calling thread: keys are sealed and opened inside a sign-in's database transaction, where WebCrypto's
 * asynchronous calls (a round trip to libuv's thread pool each) kept the transaction, and every commit
 * grouped with it, waiting.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'

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
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv)
    cipher.setAAD(Buffer.from(PROTECTED, 'ascii'))
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()])
    const tag = cipher.getAuthTag()
    return [PROTECTED, '', b64(iv), b64(ciphertext), b64(tag)].join('.')
  }

  /** The path sealed in `key`, or null when the key is malformed, tampered with or sealed by another secret. */
  async open(key: string): Promise<SignInPath | null> {
    try {
      const plaintext = this.#decrypt(key)
      if (!plaintext) return null
      const p = JSON.parse(plaintext) as Partial<Sealed>
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

  /** The plaintext of a compact JWE sealed with `dir` + `A256GCM` under this key; null for anything else. */
  #decrypt(key: string): string | null {
    const parts = key.split('.')
    if (parts.length !== 5) return null
    const [header, encryptedKey, iv, ciphertext, tag] = parts as [string, string, string, string, string]
    if (encryptedKey !== '') return null
    const h = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>
    // Exactly what seal writes: no other algorithm, no critical extension, no compression.
    if (h.alg !== 'dir' || h.enc !== 'A256GCM' || Object.keys(h).length !== 2) return null
    const ivBytes = fromB64(iv)
    const tagBytes = fromB64(tag)
    if (ivBytes?.length !== 12 || tagBytes?.length !== 16) return null
    const body = fromB64(ciphertext)
    if (!body) return null
    const decipher = createDecipheriv('aes-256-gcm', this.#key, ivBytes)
    decipher.setAAD(Buffer.from(header, 'ascii'))
    decipher.setAuthTag(tagBytes)
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8')
  }
}

/** The protected header of every key, encoded: `{"alg":"dir","enc":"A256GCM"}`. */
const PROTECTED = Buffer.from(JSON.stringify({ alg: 'dir', enc: 'A256GCM' }), 'utf8').toString('base64url')

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url')

/** Bytes of a base64url text; null when it is not canonical base64url. */
function fromB64(text: string): Buffer | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null
  const bytes = Buffer.from(text, 'base64url')
  return bytes.toString('base64url') === text ? bytes : null
}
