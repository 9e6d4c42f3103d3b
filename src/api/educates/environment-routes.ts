import type { FastifyInstance } from 'fastify'
import { listCatalog } from '../../broker/catalog.js'
import { requestSession } from '../../broker/request-session.js'
import { requestableEnvironment } from '../../broker/environment-lookup.js'
import { ENVIRONMENT_STATES } from '../../domain/environment-states.js'
import { isSafeName, resolveParameters } from '../../domain/index.js'
import { forbidden } from '../../domain/errors.js'
import { parseJsonBody, readBodyText } from '../../http/body.js'
import type { ApiContext } from '../../http/context.js'
import { queryFlag } from '../../http/query.js'
import { parseWith } from '../../http/validate.js'
import { endpoint } from '../endpoint.js'
import { requestBody, requestQuery } from './request-schema.js'
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
      const environment = await requestableEnvironment(deps, name)
      const q = parseWith(
        requestQuery({
          defaultIndex: deps.portal.index,
          allowedOrigins: deps.portal.labgate.allowedIndexOrigins,
          portalOrigin: new URL(ctx.portalUrl).origin,
        }),
        req.query,
      )
      const supplied = parseWith(requestBody, parseJsonBody(await readBodyText(req, ctx.bodyLimit)))
      const params = resolveParameters(environment.settings.workshop.requestParameters, supplied, deps.random)
      const r = await requestSession(deps, {
        environment: name,
        user: q.user,
        details: {
          email: q.email,
          firstName: q.first_name ?? q.firstname,
          lastName: q.last_name ?? q.lastname,
        },
        indexUrl: q.index,
        timeout: q.timeout,
        params,
        analyticsUrl: q.analytics_url,
        reacquire: q.session,
      })
      const s = r.session
      return {
        name: s.name,
        session: s.name,
        user: r.user.id,
        url: `/workshops/session/${s.name}/activate/?token=${r.token}&index_url=${encodeURIComponent(s.indexUrl ?? q.index)}`,
        workshop: s.workshop,
        environment: s.environment,
        namespace: s.name,
      }
    },
  })
}
