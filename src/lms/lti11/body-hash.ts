/**
 * OAuth Request Body Hash (the extension LTI 1.1 outcomes use): a request whose body is not a form signs
 * `oauth_body_hash`, the base64 SHA-1 of the body's bytes, so the signature covers the body.
 */
import { createHash } from 'node:crypto'

/** The `oauth_body_hash` of `body` (a string is hashed as UTF-8). */
export function bodyHash(body: string | Uint8Array): string {
  return createHash('sha1').update(body).digest('base64')
}
