/**
 * Verifies an OAuth 1.0a HMAC-SHA1 signed request the way LTI 1.1 uses it (two-legged, no token): a launch
 * form, or an outcome call with an Authorization header and a body hash. Pure: the secrets come from a
 * lookup and the time from a clock.
 *
 * It does NOT stop replays on its own. A verified request gives back its `replay` key (consumer key,
 * nonce, timestamp and until when it matters); the caller must record it single-use — e.g.
 * `store.useOnce('lti11-nonce:' + consumerKey, nonce, expiresAt)` — and refuse the request when it was
 * seen before. The timestamp window bounds how long that record must live.
 */
import type { Clock } from '../../domain/clock.js'
import { constantTimeEqual } from '../../auth/secrets.js'
import { parseAuthorizationHeader } from './authorization-header.js'
import { queryPairs, signatureBaseString } from './base-string.js'
import { bodyHash } from './body-hash.js'
import { hmacSha1Signature } from './hmac-sha1.js'
import { toPairs, valuesOf, type ParamsInput } from './params.js'
import { publicUrl } from './public-url.js'
import { refuse, type Refused } from './refusal.js'

/** The default timestamp window: a signature more than 300 s old or ahead is refused. */
export const TIMESTAMP_WINDOW_SECONDS = 300

/** Longest nonce accepted (so a replay record stays small). */
const MAX_NONCE_LENGTH = 255

/** The OAuth parameters that must appear exactly once. */
const REQUIRED = [
  'oauth_consumer_key',
  'oauth_signature_method',
  'oauth_timestamp',
  'oauth_nonce',
  'oauth_signature',
]
/** OAuth parameters that may be absent but never repeated. */
const SINGLE = [...REQUIRED, 'oauth_version', 'oauth_body_hash', 'oauth_token', 'oauth_callback']

/** A request as received. */
export interface SignedRequest {
  /** The HTTP method. */
  method: string
  /** The public URL of the request, query included (see `publicUrl` for the proxy rule). */
  url: string
  /** `X-Forwarded-Proto`, believed only with `trustProxy` (see `publicUrl`). */
  forwardedProto?: string | undefined
  trustProxy?: boolean | undefined
  /** The parsed `application/x-www-form-urlencoded` body, when the body is a form. */
  form?: ParamsInput | undefined
  /** The `Authorization` header, if any. */
  authorization?: string | undefined
  /** The raw body when it is not a form (an outcome's XML): its `oauth_body_hash` must match. */
  body?: string | Uint8Array | undefined
  /** Leave the query out of the signed parameters (Canvas signs launches without it). */
  dropQuery?: boolean | undefined
}

/** What verifying needs besides the request. */
export interface VerifyOptions {
  /** The shared secret of a consumer key, or undefined when the key is unknown. */
  secretFor(consumerKey: string): string | undefined
  clock: Clock
  /** Accepted clock skew either way, in seconds; 300 by default. */
  windowSeconds?: number
}

/** The single-use key of a verified request, for the caller's nonce store. */
export interface ReplayKey {
  consumerKey: string
  nonce: string
  /** `oauth_timestamp`, seconds since the epoch. */
  timestamp: number
  /** Epoch milliseconds after which the timestamp window refuses this request anyway. */
  expiresAt: number
}

/** A verified request: who signed it, every signed parameter, and the key the caller must use once. */
export interface Verified {
  ok: true
  consumerKey: string
  /** Query, form and header parameters (oauth_* included, `oauth_signature` too), in order. */
  params: [string, string][]
  replay: ReplayKey
}

/** The verdict on a signed request. */
export type RequestVerdict = Verified | Refused

/**
 * Checks, in order: the parameters' shape (each protocol parameter once, across body and header),
 * HMAC-SHA1, `oauth_version` 1.0, a known consumer key, the signature (constant time), the timestamp
 * window, and the body hash when a non-form `body` is given. Never throws.
 */
export function verifyRequest(req: SignedRequest, opts: VerifyOptions): RequestVerdict {
  let url: string
  try {
    url = publicUrl(req)
    const scheme = new URL(url).protocol
    if (scheme !== 'http:' && scheme !== 'https:') return refuse('bad_url', `not an http(s) URL: ${scheme}`)
  } catch {
    return refuse('bad_url', 'the request URL does not parse')
  }

  const header = req.authorization === undefined ? null : parseAuthorizationHeader(req.authorization)
  if (header === 'malformed')
    return refuse('malformed_header', 'the OAuth Authorization header does not parse')
  const params = [
    ...(req.dropQuery === true ? [] : queryPairs(url)),
    ...(req.form === undefined ? [] : toPairs(req.form)),
    ...(header ?? []),
  ]

  for (const name of SINGLE) {
    const n = valuesOf(params, name).length
    if (n > 1) return refuse('duplicate_param', `${name} appears ${n} times`)
  }
  for (const name of REQUIRED) {
    if (!valuesOf(params, name)[0]) return refuse('missing_param', `${name} is missing`)
  }
  const one = (name: string) => valuesOf(params, name)[0] ?? ''
  const method = one('oauth_signature_method')
  if (method !== 'HMAC-SHA1')
    return refuse('unsupported_method', `signature method ${method} is not HMAC-SHA1`)
  const version = valuesOf(params, 'oauth_version')[0]
  if (version !== undefined && version !== '1.0')
    return refuse('bad_oauth_version', `oauth_version ${version}`)
  const nonce = one('oauth_nonce')
  if (nonce.length > MAX_NONCE_LENGTH) return refuse('missing_param', 'oauth_nonce is too long')
  const consumerKey = one('oauth_consumer_key')
  const secret = opts.secretFor(consumerKey)
  if (secret === undefined) return refuse('unknown_key', `unknown consumer key ${consumerKey}`)

  const expected = hmacSha1Signature(signatureBaseString(req.method, url, params), secret)
  if (!constantTimeEqual(expected, one('oauth_signature'))) {
    return refuse('bad_signature', 'the signature does not match the request')
  }

  const ts = one('oauth_timestamp')
  if (!/^\d{1,12}$/.test(ts)) return refuse('bad_timestamp', 'oauth_timestamp is not a number of seconds')
  const timestamp = Number(ts)
  const window = opts.windowSeconds ?? TIMESTAMP_WINDOW_SECONDS
  const now = opts.clock.now() / 1000
  if (now - timestamp > window)
    return refuse('stale_timestamp', `signed ${Math.round(now - timestamp)} s ago`)
  if (timestamp - now > window)
    return refuse('future_timestamp', `signed ${Math.round(timestamp - now)} s ahead`)

  if (req.body !== undefined) {
    const claimed = valuesOf(params, 'oauth_body_hash')[0]
    if (claimed === undefined) return refuse('bad_body_hash', 'oauth_body_hash is missing')
    if (!constantTimeEqual(bodyHash(req.body), claimed)) {
      return refuse('bad_body_hash', 'oauth_body_hash does not match the body')
    }
  }

  return {
    ok: true,
    consumerKey,
    params,
    replay: { consumerKey, nonce, timestamp, expiresAt: (timestamp + window) * 1000 },
  }
}
