import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ApiContext } from '../api/context.js'
import { isSafeName } from '../domain/index.js'
import { badRequest, forbidden } from '../errors.js'
import { GATEWAY_COOKIE } from './access.js'
import { sessionBasePath } from './session-url.js'

/**
 * `GET /sessions/<name>/_labgate/login?ticket=…`: redeems the single-use ticket the portal issued for
 * this session and sets the session-scoped cookie (path `/sessions/<name>/`, or the whole session host
 * with host routing), then sends the browser to the dashboard. A used, expired or foreign ticket is 403.
 */
export function loginRoute(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/sessions/:name/_labgate/login', async (req, reply) => {
    const name = (req.params as { name: string }).name
    if (!isSafeName(name)) throw badRequest('Invalid session name')
    const ticket = (req.query as { ticket?: string }).ticket
    if (typeof ticket !== 'string' || ticket.length === 0) throw badRequest('Missing ticket')
    const s = await ctx.deps.store.getSession(name)
    const ttl = s?.expiresAt
      ? Math.max(60, Math.ceil((s.expiresAt - ctx.deps.clock.now()) / 1000) + 3600)
      : 36_000
    const r = await ctx.auth.redeemGatewayTicket(ticket, name, ttl)
    if (!r)
      throw forbidden(
        'This sign-in link has expired or has been used: open the workshop again from where you started it.',
      )
    const path = sessionBasePath(ctx, name, hostOf(req))
    const secure = ctx.portalUrl.startsWith('https:') ? '; Secure' : ''
    void reply.header(
      'set-cookie',
      `${GATEWAY_COOKIE}=${encodeURIComponent(r.cookie)}; Path=${path}; HttpOnly; SameSite=Lax; Max-Age=${ttl}${secure}`,
    )
    return reply.redirect(path, 302)
  })
}

const hostOf = (req: FastifyRequest) => req.headers.host ?? ''
