import type { FastifyInstance } from 'fastify'
import { activateSession } from '../../broker/activate-session.js'
import {
  extendSession,
  loadSessionFor,
  recordClientEvent,
  sessionSchedule,
  terminateSession,
} from '../../broker/session-ops.js'
import { isSafeName } from '../../domain/index.js'
import { badRequest, notFound } from '../../domain/errors.js'
import { parseJsonBody, readBodyText } from '../body.js'
import { AUTH_COOKIE, type ApiContext } from '../context.js'
import { endpoint, type EndpointSpec } from '../endpoint.js'
import { checkIndexUrl, withNotification } from '../index-url.js'
import { queryOne } from '../query.js'
import { iso } from './present.js'
import { canonicalRedirect } from '../canonical-host.js'

const PREFIXES = ['/workshops/session', '/session']

function sessionName(params: unknown): string {
  const name = (params as { name: string }).name
  // An impossible name cannot exist: answer as for any missing session, after the auth check.
  return isSafeName(name) ? name : '\0invalid'
}

/**
 * The session endpoints (`schedule`, `extend`, `terminate`, `config`, `authorize`, `event`) under both
 * `/workshops/session/<name>/` and the seed's `/session/<name>/`, and activation. Owner, staff and
 * robots only; a stopped or unknown session is 404.
 */
export function sessionRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { deps } = ctx
  const op = (
    suffix: string,
    spec: Omit<EndpointSpec, 'paths' | 'access' | 'handler'> & { run: EndpointSpec['handler'] },
  ) =>
    endpoint(app, ctx, {
      ...spec,
      paths: PREFIXES.map((p) => `${p}/:name/${suffix}/`),
      access: 'user',
      handler: spec.run,
    })

  op('schedule', {
    methods: ['GET'],
    run: async (req, _r, actor) =>
      present(await sessionSchedule(deps, await loadSessionFor(deps, sessionName(req.params), actor))),
  })

  op('extend', {
    methods: ['GET', 'POST'],
    changesState: true,
    run: async (req, _r, actor) =>
      present(await extendSession(deps, await loadSessionFor(deps, sessionName(req.params), actor))),
  })

  op('terminate', {
    methods: ['GET', 'POST'],
    changesState: true,
    run: async (req, _r, actor) => {
      const t = await terminateSession(deps, await loadSessionFor(deps, sessionName(req.params), actor))
      return { started: iso(t.started), expires: iso(t.expires) }
    },
  })

  op('config', {
    methods: ['GET'],
    run: async (req, _r, actor) => {
      const s = await loadSessionFor(deps, sessionName(req.params), actor)
      return {
        url: `${ctx.portalUrl}/workshops/session/${s.name}/`,
        password: deps.secrets.configPassword(s),
      }
    },
  })

  op('authorize', {
    methods: ['GET'],
    run: async (req, _r, actor) => {
      const s = await loadSessionFor(deps, sessionName(req.params), actor)
      return { owner: s.owner, user: actor!.userId, staff: actor!.kind === 'staff' }
    },
  })

  op('event', {
    methods: ['POST'],
    changesState: true,
    run: async (req, reply, actor) => {
      const s = await loadSessionFor(deps, sessionName(req.params), actor)
      await recordClientEvent(deps, s, parseJsonBody(await readBodyText(req, ctx.bodyLimit)))
      return reply.status(200).send({})
    },
  })

  endpoint(app, ctx, {
    paths: ['/workshops/session/:name/activate/'],
    methods: ['GET'],
    access: 'public',
    handler: async (req, reply, actor) => {
      // The sign-in cookies this sets must be on the portal's own host, where the dashboard's sign-in
      // looks for them: a browser that came by another name for it goes there first (token unused).
      const canonical = canonicalRedirect(req, ctx.portalUrl)
      if (canonical) return reply.redirect(canonical, 302)
      const name = (req.params as { name: string }).name
      const token = queryOne(req, 'token')
      if (!token) throw badRequest('Missing activation token')
      const rawIndex = queryOne(req, 'index_url')
      const result = await activateSession(deps, name, token, actor?.userId ?? null)
      const s = result.session
      if (result.kind === 'ended') {
        const index = safeIndex(ctx, rawIndex ?? s.indexUrl ?? deps.portal.index)
        if (index) return reply.redirect(withNotification(index, 'session-deleted'), 302)
        throw notFound('This session has ended')
      }
      if (actor?.userId !== s.owner) {
        const ttl = s.expiresAt
          ? Math.max(60, Math.ceil((s.expiresAt - deps.clock.now()) / 1000) + 3600)
          : 36_000
        const value = await ctx.auth.browserLogin(s.owner!, ttl)
        const secure = ctx.portalUrl.startsWith('https:') ? '; Secure' : ''
        void reply.header(
          'set-cookie',
          `${AUTH_COOKIE}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${ttl}${secure}`,
        )
      }
      return reply.redirect(`/workshops/session/${s.name}/`, 302)
    },
  })
}

function safeIndex(ctx: ApiContext, raw: string | undefined | null): string | null {
  if (!raw) return null
  try {
    return checkIndexUrl(raw, ctx.deps.portal.labgate.allowedIndexOrigins, new URL(ctx.portalUrl).origin)
  } catch {
    return null
  }
}

function present<T extends { started: number | null; expires: number | null }>(v: T) {
  return { ...v, started: iso(v.started), expires: iso(v.expires) }
}
