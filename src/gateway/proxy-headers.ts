import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http'

/** Headers that describe one hop of a connection, never forwarded as they are (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
])

/** labgate's own cookies (`labgate_auth`, `labgate_session`, …): never shown to or set by a web app. */
const isLabgateCookie = (name: string) => name.trim().toLowerCase().startsWith('labgate_')

/**
 * Response headers never passed to the browser: `Service-Worker-Allowed` would let an app's worker claim a
 * scope above its prefix (with path routing, the whole portal origin).
 */
const DROPPED_RESPONSE = new Set(['service-worker-allowed'])

/**
 * True for a `Set-Cookie` an app may send: one with a name that, trimmed, is not empty, does not start with
 * `labgate` and holds no `=`. A nameless cookie (`=labgate_csrf=x`, or no `=` at all) is sent back by
 * browsers as its bare value, which would read as a labgate cookie.
 */
export function isAppCookie(setCookie: string): boolean {
  const pair = setCookie.split(';', 1)[0] ?? ''
  const eq = pair.indexOf('=')
  if (eq < 0) return false
  const name = pair.slice(0, eq).trim()
  return name !== '' && !name.includes('=') && !name.toLowerCase().startsWith('labgate')
}

/** What the app is told about the request it gets through the gateway. */
export interface ForwardedRequest {
  /** The port the app listens on in the sandbox. */
  port: number
  /** The path prefix the browser sees for the app, e.g. `/sessions/<s>/apps/site` (no trailing slash). */
  prefix: string
  /** The scheme the browser used (the portal's). */
  proto: 'http' | 'https'
  /** The client's address as labgate saw it. */
  remoteAddress: string | undefined
  /** Keep `Connection: upgrade` and `Upgrade` (a WebSocket handshake). */
  upgrade: boolean
}

/**
 * The headers sent to the app: the browser's, minus hop-by-hop headers, `Authorization`, `Forwarded`,
 * `Expect` and labgate's cookies; `Host: localhost:<port>` (as if the browser had asked the app directly),
 * and a same-origin `Origin` likewise `http://localhost:<port>`; and
 * `X-Forwarded-For` (appended to), `-Host`, `-Proto` and `-Prefix` so the app can build public URLs.
 */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  f: ForwardedRequest,
): OutgoingHttpHeaders {
  const named = connectionTokens(incoming.connection)
  const out: OutgoingHttpHeaders = {}
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue
    if (name === 'authorization' || name === 'forwarded' || name.startsWith('x-forwarded-')) continue
    // labgate already answered any `Expect: 100-continue`; the body follows regardless.
    if (name === 'expect') continue
    if (name === 'host' || name === 'cookie') continue
    out[name] = value
  }
  // As the Host, a same-origin Origin names the app itself (servers that check Origin, such as Jupyter,
  // refuse their own pages' requests otherwise); any other Origin is passed on for the app to judge.
  if (isSameOrigin(incoming.origin, incoming.host)) out.origin = `http://localhost:${f.port}`
  const cookie = withoutLabgateCookies(incoming.cookie)
  if (cookie) out.cookie = cookie
  if (f.upgrade && incoming.upgrade) {
    out.connection = 'upgrade'
    out.upgrade = incoming.upgrade
  }
  out.host = `localhost:${f.port}`
  const chain = [incoming['x-forwarded-for'], f.remoteAddress].flat().filter(Boolean).join(', ')
  if (chain) out['x-forwarded-for'] = chain
  if (incoming.host) out['x-forwarded-host'] = incoming.host
  out['x-forwarded-proto'] = f.proto
  out['x-forwarded-prefix'] = f.prefix
  return out
}

/** What the browser is told about the app's response. */
export interface ForwardedResponse {
  port: number
  prefix: string
  /**
   * Serve the page as an opaque origin (`Content-Security-Policy: sandbox …`, never `allow-same-origin`):
   * for every app served on a host other than its session's own (path routing: the portal's origin), where
   * the app's scripts could otherwise act with whoever opens it (staff, or the next user of the browser).
   */
  isolate: boolean
}

/**
 * The headers sent back to the browser: the app's, minus hop-by-hop headers, `Service-Worker-Allowed` and
 * any `Set-Cookie` that {@link isAppCookie} refuses (labgate's cookies, nameless ones); a `Location` on the app's own root (`/x`, `http://localhost:<port>/x`) moved under the
 * prefix; and, with `isolate`, a sandboxing Content-Security-Policy.
 */
export function clientResponseHeaders(
  upstream: IncomingHttpHeaders,
  f: ForwardedResponse,
): OutgoingHttpHeaders {
  const named = connectionTokens(upstream.connection)
  const out: OutgoingHttpHeaders = {}
  for (const [name, value] of Object.entries(upstream)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue
    if (DROPPED_RESPONSE.has(name)) continue
    out[name] = value
  }
  const cookies = upstream['set-cookie']?.filter(isAppCookie)
  if (cookies?.length) out['set-cookie'] = cookies
  else delete out['set-cookie']
  if (typeof upstream.location === 'string') out.location = rewriteLocation(upstream.location, f)
  if (f.isolate) {
    const policy = 'sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads'
    // Several policies in one header are all enforced, like separate headers.
    const existing = [upstream['content-security-policy'] ?? []].flat()
    out['content-security-policy'] = [...existing, policy].join(', ')
  }
  return out
}

/**
 * Moves a redirect to the app's own root under the gateway's prefix; a target already under the prefix
 * (an app that reads `X-Forwarded-Prefix`) and other sites are left alone.
 */
export function rewriteLocation(location: string, f: { port: number; prefix: string }): string {
  if (location === f.prefix || location.startsWith(`${f.prefix}/`)) return location // the app knows its prefix
  if (location.startsWith('/') && !location.startsWith('//')) return f.prefix + location
  for (const origin of [`http://localhost:${f.port}`, `http://127.0.0.1:${f.port}`]) {
    if (location === origin) return `${f.prefix}/`
    if (location.startsWith(`${origin}/`) || location.startsWith(`${origin}?`)) {
      const rest = location.slice(origin.length)
      return f.prefix + (rest.startsWith('/') ? rest : `/${rest}`)
    }
  }
  return location
}

/** True when `origin` (an Origin header) is the origin of the host the browser asked, `host`. */
function isSameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (!origin || !host) return false
  try {
    const o = new URL(origin)
    return o.host !== '' && o.host === new URL(`${o.protocol}//${host}`).host
  } catch {
    return false
  }
}

/** The Cookie header without labgate's cookies; undefined when nothing is left. */
export function withoutLabgateCookies(header: string | undefined): string | undefined {
  if (!header) return undefined
  const kept = header
    .split(';')
    .map((c) => c.trim())
    .filter((c) => c && !isLabgateCookie(c.split('=', 1)[0]!))
  return kept.length ? kept.join('; ') : undefined
}

function connectionTokens(value: string | string[] | undefined): Set<string> {
  const text = Array.isArray(value) ? value.join(',') : (value ?? '')
  return new Set(
    text
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  )
}
