import type { FastifyInstance } from 'fastify'
import { listCatalog } from '../../broker/catalog.js'
import { requestSession } from '../../broker/request-session.js'
import { ENVIRONMENT_STATES, isSafeName, parseTimeoutParam, resolveParameters } from '../../domain/index.js'
import { badRequest, forbidden } from '../../domain/errors.js'
import { parseJsonBody, readBodyText } from '../body.js'
import type { ApiContext } from '../context.js'
import { endpoint } from '../endpoint.js'
import { checkIndexUrl } from '../index-url.js'
import { queryFlag, queryOne } from '../query.js'
import { presentEnvironment } from './present.js'

const envParam = (params: unknown): string => {
  const name = (params as { env: string }).env
  if (!isSafeName(name)) throw forbidden('Environment does not exist')
  return name
}

/** `GET /workshops/environment/<env>/status/` and `GET|POST /workshops/environment/<env>/request/` (robots). */
export function environmentRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { deps } = ctx

  endpoint(app, ctx, {
    paths: ['/workshops/environment/:env/status/'],
    methods: ['GET'],
    access: 'robot',
    handler: async (req) => {
      const name = envParam(req.params)
      const withSessions = queryFlag(req, 'sessions')
      const catalog = await listCatalog(deps, {
        states: [...ENVIRONMENT_STATES],
        names: [],
        labels: {},
        withSessions,
      })
      const entry = catalog.entries.find((c) => c.environment.name === name)
      if (!entry) throw forbidden('Environment does not exist')
      return presentEnvironment(entry, withSessions, deps.clock.now())
    },
  })

  endpoint(app, ctx, {
    paths: ['/workshops/environment/:env/request/'],
    methods: ['GET', 'POST'],
    access: 'robot',
    handler: async (req) => {
      const name = envParam(req.params)
      const environment = await deps.store.getEnvironment(name)
      if (!environment || environment.state !== 'RUNNING' || environment.portal !== deps.portal.name) {
        throw forbidden('Environment does not exist')
      }
      const rawIndex = queryOne(req, 'index_url') ?? queryOne(req, 'redirect_url') ?? deps.portal.index
      if (!rawIndex) throw badRequest('Missing index_url')
      const indexUrl = checkIndexUrl(
        rawIndex,
        deps.portal.labgate.allowedIndexOrigins,
        new URL(ctx.portalUrl).origin,
      )
      const analyticsUrl = queryOne(req, 'analytics_url')
      if (analyticsUrl !== undefined) checkHttpUrl(analyticsUrl, 'analytics_url')
      const timeout = parseTimeoutParam(queryOne(req, 'timeout'))
      const body = parseJsonBody(await readBodyText(req, ctx.bodyLimit))
      const supplied = parametersOf(body)
      const params = resolveParameters(environment.settings.workshop.requestParameters, supplied, deps.random)
      const r = await requestSession(deps, {
        environment: name,
        user: queryOne(req, 'user'),
        details: {
          email: queryOne(req, 'email'),
          firstName: queryOne(req, 'first_name') ?? queryOne(req, 'firstname'),
          lastName: queryOne(req, 'last_name') ?? queryOne(req, 'lastname'),
        },
        indexUrl,
        timeout,
        params,
        analyticsUrl,
        reacquire: queryOne(req, 'session'),
      })
      const s = r.session
      return {
        name: s.name,
        session: s.name,
        user: r.user.id,
        url: `/workshops/session/${s.name}/activate/?token=${r.token}&index_url=${encodeURIComponent(s.indexUrl ?? indexUrl)}`,
        workshop: s.workshop,
        environment: s.environment,
        namespace: s.name,
      }
    },
  })
}

function parametersOf(body: unknown): unknown[] {
  if (body === undefined || body === null) return []
  if (typeof body !== 'object' || Array.isArray(body))
    throw badRequest('Request body must be a JSON object like {"parameters": [...]}')
  const p = (body as { parameters?: unknown }).parameters
  if (p === undefined) return []
  if (!Array.isArray(p)) throw badRequest('"parameters" must be a list of {"name": ..., "value": ...}')
  return p
}

function checkHttpUrl(raw: string, what: string): void {
  try {
    const u = new URL(raw)
    if (u.protocol === 'http:' || u.protocol === 'https:') return
  } catch {
    // fall through
  }
  throw badRequest(`${what} must be an absolute http(s) URL`)
}
