/**
 * A teacher's LTI 1.1 key and secret. The secret is never stored: it is derived from the server key and
 * the key's random salt (HMAC-SHA256), so the database alone does not give it away, and only its SHA-256
 * is kept, to check that the derivation still yields the secret the teacher was shown (it does not once
 * the server key changed: such a key must be made again). OAuth 1.0a's HMAC-SHA1 needs the secret itself
 * to check a signature, which is why it is derived rather than hashed alone. Pure.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto'
import { constantTimeEqual } from '../../auth/secrets.js'

const derivationKey = (serverKey: Uint8Array) =>
  createHmac('sha256', serverKey).update('labgate teacher lti11 secret v1').digest()

/** The secret of `key` made with `salt` under `serverKey` (URL-safe text, 256 bits). */
export function deriveSecret(serverKey: Uint8Array, key: string, salt: string): string {
  return createHmac('sha256', derivationKey(serverKey)).update(`${key}\n${salt}`).digest('base64url')
}

/** The hex SHA-256 of a secret, as stored. */
export const hashSecret = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('hex')

/** A new key: the consumer key, its salt, its secret (shown once) and the secret's hash (stored). */
export function newTeacherKey(serverKey: Uint8Array): {
  key: string
  salt: string
  secret: string
  secretHash: string
} {
  const key = `lgt-${randomBytes(12).toString('base64url')}`
  const salt = randomBytes(16).toString('base64url')
  const secret = deriveSecret(serverKey, key, salt)
  return { key, salt, secret, secretHash: hashSecret(secret) }
}

/**
 * The secret of a stored key, or null when deriving it under `serverKey` does not give the secret whose
 * hash was stored (the server key changed since). The hashes are compared in constant time.
 */
export function secretOf(
  serverKey: Uint8Array,
  k: { key: string; salt: string; secretHash: string },
): string | null {
  const secret = deriveSecret(serverKey, k.key, k.salt)
  return constantTimeEqual(hashSecret(secret), k.secretHash) ? secret : null
}
