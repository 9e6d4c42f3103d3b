/** RFC 7636 PKCE, S256 only. */
import { createHash } from 'node:crypto'
import { constantTimeEqual } from '../auth/secrets.js'

/** RFC 7636 §4.1: 43–128 characters of the unreserved set. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/
/** A S256 challenge: base64url of a sha256 (43 characters). */
export const S256_CHALLENGE = /^[A-Za-z0-9\-_]{43}$/

/** True when `verifier` is well-formed and its S256 transform equals `challenge` (constant time). */
export function verifyS256(verifier: string | undefined, challenge: string): boolean {
  if (verifier === undefined || !VERIFIER.test(verifier)) return false
  return constantTimeEqual(createHash('sha256').update(verifier).digest('base64url'), challenge)
}
