import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ApiContext } from '../http/context.js'
import { STATUS } from '../http/errors.js'
import { LabgateError, forbidden, notFound, payloadTooLarge } from '../domain/errors.js'
import { isSafeName } from '../domain/index.js'
import type { Session } from '../store/rows.js'
import { gatewayAccess, type GatewayAccess } from './access.js'
import { rejectUpgrade } from '../http/upgrade-reply.js'
import { AppUnavailableError, type AppProxy, type ProxyTarget } from './app-proxy.js'
import { rewriteSessionHost, sessionBasePath } from '../http/session-url.js'
import { onSessionHost, originMayUseSession, sessionHostTarget } from './session-host.js'

const INGRESS_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

/**
 * `ANY /sessions/<name>/apps/<ingress>/…`: the workshop's web app `<ingress>` (`spec.session.ingresses`),
 * proxied to its port inside the session's sandbox with the `/sessions/<name>/apps/<ingress>` prefix
 * removed and the query kept. For the owner and staff (`gatewayAccess`: 403, or 404 for a session that is
 * not live); 404 for an ingress the workshop does not declare; 413 past the body cap; 502 when nothing
 * listens; 503 while the sandbox is not running. `/sessions/<name>/apps/<ingress>` redirects to the
 * slashed form. Under host routing the path form is only served on the session's own host: a GET or HEAD
 * elsewhere (the portal's host) is redirected there (302), anything else refused (403), before any
 * credential is looked at. Responses served off the session's own host are sandboxed (an opaque origin). Registered in its own scope, where request bodies are left unread to be streamed.
 */
export function appRoutes(app: FastifyInstance, ctx: ApiContext, proxy: AppProxy): void {
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null))
    scope.all('/sessions/:name/apps/:ingress', async (req, reply) => {
      const q = req.url.indexOf('?')
      const { name, ingress } = req.params as { name: string; ingress: string }
      if (!isSafeName(name) || !INGRESS_NAME.test(ingress)) throw notFound('Not found')
      const target = `${browserPrefix(ctx, name, ingress, req.headers)}/${q < 0 ? '' : req.url.slice(q)}`
      return reply.redirect(target, req.method === 'GET' || req.method === 'HEAD' ? 301 : 308)
    })
    scope.all('/sessions/:name/apps/:ingress/*', async (req, reply) => {
      const { name } = req.params as { name: string }
      const elsewhere = sessionHostTarget(ctx, name, req.headers, req.url)
      if (elsewhere === null) return proxyHttp(ctx, proxy, req, reply)
      if (req.method !== 'GET' && req.method !== 'HEAD') throw forbidden()
      return reply.header('cache-control', 'no-store').redirect(elsewhere, 302)
    })
  })
}

/**
 * The handler for WebSocket upgrades of app URLs, for the HTTP server's `upgrade` event (Fastify routes do
 * not see upgrades): returns false, touching nothing, when the URL is not an app's (after host routing's
 * rewrite), so another handler can take it; otherwise takes the socket and answers it. An `Origin` that is
 * not the session's own page (`originMayUseSession`) is refused (403), as are callers `gatewayAccess`
 * refuses.
 */
export function appUpgradeHandler(
  ctx: ApiContext,
  proxy: AppProxy,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean {
  return (req, socket, head) => {
    const url = rewriteSessionHost(ctx.deps.portal.labgate.sessionDomain, req.headers.host, req.url ?? '/')
    const m = /^\/sessions\/([^/?#]+)\/apps\/([^/?#]+)(\/[^#]*)$/.exec(url)
    if (!m) return false
    const [, name, ingress, rest] = m as unknown as [string, string, string, string]
    void upgrade(ctx, proxy, req, socket, head, { name, ingress, rest }).catch((e: unknown) => {
      const status = e instanceof LabgateError ? STATUS[e.code] : 502
      rejectUpgrade(socket, status, e instanceof LabgateError ? e.message : 'Bad gateway')
    })
    return true
  }
}

async function proxyHttp(ctx: ApiContext, proxy: AppProxy, req: FastifyRequest, reply: FastifyReply) {
  const { name, ingress } = req.params as { name: string; ingress: string }
  const access = await gatewayAccess(ctx, req.headers, name)
  const port = await ingressPort(ctx, access.session, ingress)
  if (Number(req.headers['content-length'] ?? 0) > proxy.maxBodyBytes) {
    throw payloadTooLarge('Request body is too large')
  }
  const internal = `/sessions/${name}/apps/${ingress}/`
  if (!req.url.startsWith(internal)) throw notFound('Not found')
  let target: ProxyTarget
  try {
    target = await targetOf(
      ctx,
      proxy,
      access,
      port,
      ingress,
      req.headers,
      req.url.slice(internal.length - 1),
    )
  } catch (e) {
    if (!(e instanceof AppUnavailableError)) throw e
    return reply
      .status(e.status)
      .type('text/plain; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(e.message)
  }
  reply.hijack()
  proxy.forward(req.raw, reply.raw, target)
}

async function upgrade(
  ctx: ApiContext,
  proxy: AppProxy,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  u: { name: string; ingress: string; rest: string },
): Promise<void> {
  if (!originMayUseSession(ctx, u.name, req.headers)) {
    return rejectUpgrade(socket, 403, 'Cross-origin WebSocket refused')
  }
  const access = await gatewayAccess(ctx, req.headers, u.name)
  const port = await ingressPort(ctx, access.session, u.ingress)
  try {
    const target = await targetOf(ctx, proxy, access, port, u.ingress, req.headers, u.rest)
    if (socket.destroyed) return
    proxy.upgrade(req, socket, head, target)
  } catch (e) {
    if (!(e instanceof AppUnavailableError)) throw e
    rejectUpgrade(socket, e.status, e.message)
  }
}

async function targetOf(
  ctx: ApiContext,
  proxy: AppProxy,
  access: GatewayAccess,
  port: number,
  ingress: string,
  headers: IncomingHttpHeaders,
  path: string,
): Promise<ProxyTarget> {
  return {
    session: access.session.name,
    upstream: await proxy.upstream(access.session, port),
    port,
    path,
    prefix: browserPrefix(ctx, access.session.name, ingress, headers),
    proto: ctx.portalUrl.startsWith('https:') ? 'https' : 'http',
    // Off the session's own host (path routing: the portal's origin), an app's scripts must not run with
    // the sign-in of whoever opens it, the owner included: cookies and storage there are the portal's.
    isolate: !onSessionHost(ctx, access.session.name, headers.host),
  }
}

/** The port of the session's ingress `name`; not_found when its workshop declares no such ingress. */
async function ingressPort(ctx: ApiContext, s: Session, name: string): Promise<number> {
  const env = await ctx.deps.store.getEnvironment(s.environment)
  // Environments stored before ingresses existed have none.
  const ingress = (env?.settings.workshop.ingresses ?? []).find((i) => i.name === name)
  if (!ingress) throw notFound(`This workshop has no web app named ${JSON.stringify(name)}`)
  return ingress.port
}

/** The app's path prefix as the browser sees it (no trailing slash). */
function browserPrefix(ctx: ApiContext, name: string, ingress: string, headers: IncomingHttpHeaders): string {
  return `${sessionBasePath(ctx, name, headers.host ?? '')}apps/${ingress}`
}
