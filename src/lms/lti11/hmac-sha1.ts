/** HMAC-SHA1 signing of a base string (RFC 5849 §3.4.2), the only method LTI 1.1 uses. */
import { createHmac } from 'node:crypto'
import { percentEncode } from './percent-encode.js'

/**
 * The base64 HMAC-SHA1 of `baseString` under the key `enc(consumerSecret)&enc(tokenSecret)`. LTI 1.1
 * launches carry no token, so `tokenSecret` defaults to the empty string.
 */
export function hmacSha1Signature(baseString: string, consumerSecret: string, tokenSecret = ''): string {
  const key = `${percentEncode(consumerSecret)}&${percentEncode(tokenSecret)}`
  return createHmac('sha1', key).update(baseString, 'utf8').digest('base64')
}
