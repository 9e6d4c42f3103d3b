import type { ApiContext } from './context.js'

/**
 * Where a session lives. With a wildcard domain configured (`spec.labgate.gateway.domain`), at
 * `<scheme>://<session>.<domain>[:port]/`; otherwise at `<portal>/sessions/<session>/` (path routing,
 * so the embedded default works on localhost).
 */
export function sessionUrl(ctx: ApiContext, name: string): string {
  const domain = ctx.deps.portal.labgate.sessionDomain
  if (!domain) return `${ctx.portalUrl}/sessions/${name}/`
  const portal = new URL(ctx.portalUrl)
  return `${portal.protocol}//${name}.${domain}${portal.port ? `:${portal.port}` : ''}/`
}

/** The path prefix of a session's pages as the browser sees them on `host`: `/` on its own host. */
export function sessionBasePath(ctx: ApiContext, name: string, host: string): string {
  const domain = ctx.deps.portal.labgate.sessionDomain
  return domain && host.split(':')[0] === `${name}.${domain}` ? '/' : `/sessions/${name}/`
}

/**
 * With host routing, maps a request for `<session>.<domain>/x` to the internal `/sessions/<session>/x`;
 * other URLs are returned unchanged. For Fastify's `rewriteUrl`.
 */
export function rewriteSessionHost(
  domain: string | undefined,
  host: string | undefined,
  url: string,
): string {
  if (!domain || !host) return url
  const h = host.split(':')[0]!.toLowerCase()
  if (!h.endsWith(`.${domain}`)) return url
  const name = h.slice(0, -domain.length - 1)
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) return url
  return `/sessions/${name}${url.startsWith('/') ? url : `/${url}`}`
}
