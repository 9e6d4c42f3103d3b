import type { FastifyInstance } from 'fastify'
import { listCatalog } from '../../broker/catalog.js'
import { ENVIRONMENT_STATES } from '../../domain/environment-states.js'
import type { EnvironmentState } from '../../domain/types.js'
import { forbidden } from '../../domain/errors.js'
import type { ApiContext } from '../../http/context.js'
import { endpoint } from '../endpoint.js'
import { queryAll, queryFlag, queryLabels } from '../../http/query.js'
import { presentEnvironment, presentPortal, type PortalInfo } from './present.js'

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
    handler: async (req, _reply, actor) => {
      if (!actor && !isPublic) throw forbidden()
      const robot = actor?.kind === 'robot' || actor?.kind === 'staff'
      const states = robot ? queryAll(req, 'state').map((s) => s.toUpperCase()) : []
      const filter = {
        states: (states.length
          ? states.filter((s): s is EnvironmentState => ENVIRONMENT_STATES.includes(s as EnvironmentState))
          : ['RUNNING']) as EnvironmentState[],
        names: robot ? queryAll(req, 'name') : [],
        labels: robot ? queryLabels(req) : {},
        withSessions: robot && queryFlag(req, 'sessions'),
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
    handler: async (_req, _reply, actor) => {
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
          const e = presentEnvironment(c, false, now)
          const { workshop, ...environment } = e as { workshop: Record<string, unknown> } & Record<
            string,
            unknown
          >
          return {
            ...workshop,
            environment: {
              name: environment.name,
              state: environment.state,
              duration: environment.duration,
              capacity: environment.capacity,
              reserved: environment.reserved,
              allocated: environment.allocated,
              available: environment.available,
            },
          }
        }),
      }
    },
  })
}
