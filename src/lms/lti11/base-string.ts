/**
 * The OAuth 1.0a signature base string (RFC 5849 §3.4.1): `METHOD&enc(base URL)&enc(normalised
 * parameters)`. The parameters are the query's and the form body's (and the Authorization header's
 * protocol parameters), minus `oauth_signature` and the header's `realm`, each name and value
 * percent-encoded, sorted by encoded name then encoded value, duplicates kept, joined `k=v` with `&`.
 */
import { percentEncode } from './percent-encode.js'
import type { ParamPairs } from './params.js'

/**
 * The base string URI of `url` (RFC 5849 §3.4.1.2): lower-case scheme and host, the port only when it is
 * not the scheme's default (80 for http, 443 for https), the path, no query and no fragment. Throws
 * TypeError when `url` does not parse or is not http(s).
 */
export function baseStringUri(url: string | URL): string {
  const u = new URL(url.toString())
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new TypeError(`not an http(s) URL: ${u.protocol}`)
  // WHATWG URL already lower-cases scheme and host and drops a default port; the path stays as sent.
  return `${u.protocol}//${u.host}${u.pathname}`
}

/** The query parameters of `url`, decoded as a form (`+` is a space), in order, duplicates kept. */
export function queryPairs(url: string | URL): [string, string][] {
  return [...new URL(url.toString()).searchParams]
}

/** The normalised parameter string (RFC 5849 §3.4.1.3.2) of `pairs`; `oauth_signature` is left out. */
export function normalisedParams(pairs: ParamPairs): string {
  return pairs
    .filter(([k]) => k !== 'oauth_signature')
    .map(([k, v]) => [percentEncode(k), percentEncode(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&')
}

/**
 * The signature base string of a request: `method` (upper-cased), the base string URI of `url` and every
 * parameter in `pairs` (the caller includes the query's pairs, see `queryPairs`).
 */
export function signatureBaseString(method: string, url: string | URL, pairs: ParamPairs): string {
  return [
    method.toUpperCase(),
    percentEncode(baseStringUri(url)),
    percentEncode(normalisedParams(pairs)),
  ].join('&')
}
