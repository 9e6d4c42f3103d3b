/**
 * The `Authorization: OAuth …` header (RFC 5849 §3.5.1): comma-separated `name="percent-encoded value"`
 * pairs after the scheme name. `realm` is not a signed parameter and is dropped when parsing.
 */
import { percentEncode } from './percent-encode.js'
import type { ParamPairs } from './params.js'

const PAIR = /^\s*([A-Za-z0-9_.~%-]+)\s*=\s*"([^"]*)"\s*$/

/**
 * The protocol parameters of an OAuth Authorization header, decoded, in order; `realm` is left out.
 * Gives `null` when the header is not of the OAuth scheme and `'malformed'` when a pair does not parse or
 * does not percent-decode. Never throws.
 */
export function parseAuthorizationHeader(header: string): [string, string][] | null | 'malformed' {
  const m = /^\s*OAuth(?:\s+([\s\S]*))?$/i.exec(header)
  if (!m) return null
  const rest = (m[1] ?? '').trim()
  if (rest === '') return []
  const pairs: [string, string][] = []
  for (const part of rest.split(',')) {
    const p = PAIR.exec(part)
    if (!p) return 'malformed'
    try {
      const name = decodeURIComponent(p[1] ?? '')
      const value = decodeURIComponent(p[2] ?? '')
      if (name !== 'realm') pairs.push([name, value])
    } catch {
      return 'malformed'
    }
  }
  return pairs
}

/** An `OAuth …` header value carrying `pairs` (names and values percent-encoded), with an optional realm. */
export function buildAuthorizationHeader(pairs: ParamPairs, realm?: string): string {
  const parts = pairs.map(([k, v]) => `${percentEncode(k)}="${percentEncode(v)}"`)
  if (realm !== undefined) parts.unshift(`realm="${percentEncode(realm)}"`)
  return `OAuth ${parts.join(', ')}`
}
