import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { listCatalog } from '../../broker/catalog.js'
import { requestSession } from '../../broker/request-session.js'
import { requestableEnvironment } from '../../broker/environment-lookup.js'
import { ENVIRONMENT_STATES } from '../../domain/environment-states.js'
import { isSafeName, resolveParameters } from '../../domain/index.js'
import { forbidden } from '../../domain/errors.js'
import { parseJsonBody, readBodyText } from '../../http/body.js'
import type { ApiContext } from '../../http/context.js'
import { flag } from '../../http/query.js'
import { JSON_TYPE } from '../../http/openapi/operation.js'
import { parseWith } from '../../http/validate.js'
import { educatesErrors } from '../endpoint-errors.js'
import { endpoint, type EndpointDoc } from '../endpoint.js'
import { parseRequestQuery, requestBody, requestQuery, type IndexRules } from './request-schema.js'
import { presentEnvironment } from './present.js'
import { EnvironmentWire, nameParam, RequestedSessionWire } from './wire.js'

const envParams = z.object({ env: nameParam.describe('the environment') })

const envParam = (params: unknown): string => {
  const name = parseWith(envParams, params).env
  if (!isSafeName(name)) throw forbidden('Environment does not exist')
  return name
}

const statusDoc = {
  summary: "An environment's status",
  params: envParams,
  query: z.object({ sessions: flag.describe('`true` or `1`: include its sessions') }),
  responses: { 200: { description: 'The environment', content: { [JSON_TYPE]: EnvironmentWire } } },
} satisfies EndpointDoc

function requestDoc(rules: () => IndexRules) {
  return {
    summary: 'Request a session of an environment for a user',
    description:
      'Allocates a session (a reserve when there is one) for `user` (created when new; a new anonymous ' +
      'user when absent) and answers its activation URL. Checked in order: the index URL, ' +
      '`analytics_url`, `timeout`, then the body. The body (JSON, with GET too) may give the ' +
      "workshop's request parameters.",
    params: envParams,
    query: requestQuery(rules),
    body: { schema: requestBody, types: [JSON_TYPE] },
    responses: {
      200: {
        description: 'The session and its activation URL',
        content: { [JSON_TYPE]: RequestedSessionWire },
      },
      ...educatesErrors(400, 404, 409, 429),
    },
  } satisfies EndpointDoc
}

/** `GET /workshops/environment/<env>/status/` and `GET|POST /workshops/environment/<env>/request/` (robots). */
export function environmentRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { deps } = ctx
  // The portal's origin is read per request: it is known only once the server listens.
  const indexRules = (): IndexRules => ({
    defaultIndex: deps.portal.index,
    allowedOrigins: deps.portal.labgate.allowedIndexOrigins,
    portalOrigin: new URL(ctx.portalUrl).origin,
  })
  const request = requestDoc(indexRules)

  endpoint(app, ctx, {
    paths: ['/workshops/environment/:env/status/'],
    methods: ['GET'],
    access: 'robot',
    doc: statusDoc,
    handler: async (req): Promise<z.infer<typeof EnvironmentWire>> => {
      const name = envParam(req.params)
      const withSessions = parseWith(statusDoc.query, req.query).sessions
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
    doc: request,
    handler: async (req): Promise<z.infer<typeof RequestedSessionWire>> => {
      const name = envParam(req.params)
      const environment = await requestableEnvironment(deps, name)
      const q = parseRequestQuery(req.query as Record<string, unknown>, indexRules())
      const supplied = parseWith(request.body.schema, parseJsonBody(await readBodyText(req, ctx.bodyLimit)))
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
