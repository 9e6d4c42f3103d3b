/**
 * Signing requests as an LTI 1.1 consumer would: the launch form a test posts, and the Authorization
 * header of an outcome passback. Pure: the timestamp and nonce are given.
 */
import { queryPairs, signatureBaseString } from './base-string.js'
import { hmacSha1Signature } from './hmac-sha1.js'
import { toPairs, type ParamsInput } from './params.js'

/** A consumer key and its shared secret. */
export interface ConsumerCredentials {
  key: string
  secret: string
}

/** What makes one signature unique: seconds since the epoch and a fresh random string. */
export interface SigningNonce {
  timestamp: number
  nonce: string
}

/**
 * The OAuth protocol parameters (`oauth_consumer_key`, `oauth_signature_method=HMAC-SHA1`,
 * `oauth_timestamp`, `oauth_nonce`, `oauth_version=1.0`, any `extra` such as `oauth_body_hash` or
 * `oauth_callback`, and last `oauth_signature`) for a `method` request to `url` (its query is signed) with
 * the form parameters `params` (pass none for a non-form body). No token: LTI is two-legged.
 */
export function signRequest(
  method: string,
  url: string,
  params: ParamsInput,
  credentials: ConsumerCredentials,
  { timestamp, nonce }: SigningNonce,
  extra: Readonly<Record<string, string>> = {},
): [string, string][] {
  const oauth: [string, string][] = [
    ['oauth_consumer_key', credentials.key],
    ['oauth_signature_method', 'HMAC-SHA1'],
    ['oauth_timestamp', String(timestamp)],
    ['oauth_nonce', nonce],
    ['oauth_version', '1.0'],
    ...Object.entries(extra),
  ]
  const base = signatureBaseString(method, url, [...queryPairs(url), ...toPairs(params), ...oauth])
  return [...oauth, ['oauth_signature', hmacSha1Signature(base, credentials.secret)]]
}

/**
 * The form body of an LTI 1.1 launch POSTed to `url`: `params` followed by the signed OAuth parameters
 * (with `oauth_callback=about:blank`, as LTI consumers send). The query of `url`, if any, is signed as the
 * specification says; a launch that claims to come from Canvas is verified without it (see
 * `verifyLaunch`), so sign such a test launch at a URL without a query.
 */
export function signLaunch(
  url: string,
  params: ParamsInput,
  credentials: ConsumerCredentials,
  nonce: SigningNonce,
): [string, string][] {
  const pairs = toPairs(params)
  return [...pairs, ...signRequest('POST', url, pairs, credentials, nonce, { oauth_callback: 'about:blank' })]
}
