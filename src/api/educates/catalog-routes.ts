import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { listCatalog } from '../../broker/catalog.js'
import { ENVIRONMENT_STATES } from '../../domain/environment-states.js'
import type { EnvironmentState } from '../../domain/types.js'
import { forbidden } from '../../domain/errors.js'
import type { ApiContext } from '../../http/context.js'
import { JSON_TYPE } from '../../http/openapi/operation.js'
import { flag, queryLabels } from '../../http/query.js'
import { parseWith } from '../../http/validate.js'
import { endpoint, type EndpointDoc } from '../endpoint.js'
import { presentEnvironment, presentPortal, type PortalInfo } from './present.js'
import { EnvironmentsCatalogWire, WorkshopsCatalogWire } from './wire.js'

/** A repeatable query parameter: every value, in order (none when absent). */
const many = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]))

const environmentsDoc = {
  summary: 'The catalog of workshop environments',
  description:
    'Robots (and staff) may filter by `state` (repeatable, any case, default RUNNING), `name` (the ' +
    "workshop, repeatable) and `labels[<key>]=<value>`, and ask for each environment's sessions with " +
    '`sessions=true`; other callers get the running environments. A public catalog answers without a ' +
    'credential.',
  query: z
    .object({
      state: many.describe('environment states to list (robots)'),
      name: many.describe('workshop names to list (robots)'),
      sessions: flag.describe('`true` or `1`: include the sessions (robots)'),
    })
    .passthrough(),
  responses: { 200: { description: 'The catalog', content: { [JSON_TYPE]: EnvironmentsCatalogWire } } },
} satisfies EndpointDoc

/**
 * `GET /workshops/catalog/environments/` and `GET /workshops/catalog/workshops/`. Robots may filter by
 * `state` (repeatable, default RUNNING), `name` (workshop, repeatable), `labels[k]=v` and ask for
 * `sessions=true`. A public catalog answers without a token, without sessions.
 */
export function catalogRoutes(app: FastifyInstance, ctx: ApiContext, portalInfo: () => PortalInfo): void {
  const isPublic = ctx.deps.portal.catalogVisibility === 'public'
  endpoint(app, ctx, {
    paths: ['/workshops/catalog/environments/'],
    methods: ['GET'],
    access: isPublic ? 'public' : 'user',
    doc: environmentsDoc,
    handler: async (req, _reply, actor): Promise<z.infer<typeof EnvironmentsCatalogWire>> => {
      if (!actor && !isPublic) throw forbidden()
      const robot = actor?.kind === 'robot' || actor?.kind === 'staff'
      const q = parseWith(environmentsDoc.query, req.query)
      const states = robot ? q.state.map((s) => s.toUpperCase()) : []
      const filter = {
        states: (states.length
          ? states.filter((s): s is EnvironmentState => ENVIRONMENT_STATES.includes(s as EnvironmentState))
          : ['RUNNING']) as EnvironmentState[],
        names: robot ? q.name : [],
        labels: robot ? queryLabels(req) : {},
        withSessions: robot && q.sessions,
      }
      if (states.length && filter.states.length === 0)
        return { portal: presentPortal(ctx.deps.portal, portalInfo(), 0), environments: [] }
      const catalog = await listCatalog(ctx.deps, filter)
      const now = ctx.deps.clock.now()
      return {
        portal: presentPortal(ctx.deps.portal, portalInfo(), catalog.allocated),
        environments: catalog.entries.map((c) => presentEnvironment(c, filter.withSessions, now)),
      }
    },
  })
  endpoint(app, ctx, {
    paths: ['/workshops/catalog/workshops/'],
    methods: ['GET'],
    access: isPublic ? 'public' : 'user',
    doc: {
      summary: 'The catalog of workshops, each with its running environment',
      responses: { 200: { description: 'The catalog', content: { [JSON_TYPE]: WorkshopsCatalogWire } } },
    },
    handler: async (_req, _reply, actor): Promise<z.infer<typeof WorkshopsCatalogWire>> => {
      if (!actor && !isPublic) throw forbidden()
      const catalog = await listCatalog(ctx.deps, {
        states: ['RUNNING'],
        names: [],
        labels: {},
        withSessions: false,
      })
      const now = ctx.deps.clock.now()
      return {
        portal: presentPortal(ctx.deps.portal, portalInfo(), catalog.allocated),
        workshops: catalog.entries.map((c) => {
          const { workshop, name, state, duration, capacity, reserved, allocated, available } =
            presentEnvironment(c, false, now)
          return {
            ...workshop,
            environment: { name, state, duration, capacity, reserved, allocated, available },
          }
        }),
      }
    },
  })
}
