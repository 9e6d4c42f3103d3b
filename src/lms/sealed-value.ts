/**
 * Values labgate hands out in URLs and reads back: a JSON list under an HMAC-SHA256 with a key derived
 * from the server key and the value's purpose, so a value sealed for one purpose never opens as another.
 * Not encrypted: put nothing secret in it. Pure.
 */
import { createHmac } from 'node:crypto'
import { constantTimeEqual } from '../auth/secrets.js'

const mac = (serverKey: Uint8Array, purpose: string, body: string) =>
  createHmac('sha256', createHmac('sha256', serverKey).update(purpose).digest()).update(body).digest()

/** The URL-safe text of `fields`, sealed with `serverKey` for `purpose`. */
export function seal(serverKey: Uint8Array, purpose: string, fields: readonly (string | number)[]): string {
  const body = Buffer.from(JSON.stringify(fields)).toString('base64url')
  return `${body}.${mac(serverKey, purpose, body).toString('base64url')}`
}

/**
 * The fields of `text` when it was sealed with `serverKey` for `purpose` (compared in constant time)
 * and holds a list; null for anything else. Never throws.
 */
export function unseal(serverKey: Uint8Array, purpose: string, text: string): unknown[] | null {
  const [body, sig, ...rest] = text.split('.')
  if (!body || !sig || rest.length > 0) return null
  // Compared as canonical base64url text: a last character that differs only in its unused bits decodes
  // to the same bytes, and must not make a second valid spelling of one value.
  if (!constantTimeEqual(sig, mac(serverKey, purpose, body).toString('base64url'))) return null
  try {
    const v: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'))
    return Array.isArray(v) ? v : null
  } catch {
    return null
  }
}
