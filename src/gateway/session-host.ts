import type { IncomingHttpHeaders } from 'node:http'
import type { ApiContext } from '../http/context.js'
import { sessionUrl } from '../http/session-url.js'

/**
 * True when `host` (a request's Host header) is session `name`'s own host: `<name>.<domain>[:port]` under
 * host routing (`spec.labgate.gateway.domain`). Always false under path routing, where every session
 * shares the portal's host.
 */
export function onSessionHost(ctx: ApiContext, name: string, host: string | undefined): boolean {
  const domain = ctx.deps.portal.labgate.sessionDomain
  if (!domain || !host) return false
  return host.split(':')[0]!.toLowerCase() === `${name}.${domain}`.toLowerCase()
}

/**
 * Under host routing, where the path form `/sessions/<name>/<rest>` asked for on another host (the
 * portal's) belongs: the same `<rest>` on the session's own host. Null when the request may be served
 * where it is (path routing, or already on the session's host). Learner-controlled pages (the dashboard
 * and its apps) are only ever served on their own host, so no other user's sign-in is within their reach.
 */
export function sessionHostTarget(
  ctx: ApiContext,
  name: string,
  headers: IncomingHttpHeaders,
  url: string,
): string | null {
  if (!ctx.deps.portal.labgate.sessionDomain || onSessionHost(ctx, name, headers.host)) return null
  const prefix = `/sessions/${name}/`
  return sessionUrl(ctx, name) + (url.startsWith(prefix) ? url.slice(prefix.length) : '')
}

/**
 * Whether a WebSocket upgrade for session `name` (a terminal, an app) may go on, judged by its `Origin`:
 * no Origin (not a browser) may; under host routing only a page of the session's own host, asking on that
 * host; under path routing a page of the host asked. A page of the portal or of another session is refused,
 * as is an opaque (`null`) or malformed Origin.
 */
export function originMayUseSession(ctx: ApiContext, name: string, headers: IncomingHttpHeaders): boolean {
  const host = pageHost(headers)
  if (host === undefined) return true
  if (host === null) return false
  return !ctx.deps.portal.labgate.sessionDomain || onSessionHost(ctx, name, host)
}

/**
 * The host of the page behind an upgrade: `undefined` without an `Origin` (not a browser); the Origin's
 * host when it is the host asked (both normalised alike: a default port dropped, lower case); null for an
 * Origin of another host, an opaque (`null`) or a malformed one.
 */
export function pageHost(headers: IncomingHttpHeaders): string | null | undefined {
  const origin = headers.origin
  if (origin === undefined) return undefined
  try {
    const o = new URL(origin)
    return o.host && o.host === new URL(`${o.protocol}//${headers.host ?? ''}`).host ? o.host : null
  } catch {
    return null
  }
}
