import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify'
import { isRobot, type Actor } from '../broker/actor.js'
import { forbidden, methodNotAllowed } from '../domain/errors.js'
import { actorOf, type ApiContext } from '../http/context.js'
import { requireXRequestedWith } from '../http/csrf.js'
import { educatesSlashStatus, redirectToSlash } from '../http/trailing-slash.js'
import type { ApiOperation } from '../http/openapi/operation.js'
import { declareOperation, notInApi } from '../http/openapi/registry.js'
import { educatesErrors } from './endpoint-errors.js'

const ALL: HTTPMethods[] = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH']

export interface EndpointSpec {
  /** Paths ending in `/`; each is also answered without the slash by a redirect to it. */
  paths: string[]
  methods: ('GET' | 'POST')[]
  /** `robot`: robots only; `user`: any signed-in caller; `public`: no credential needed. */
  access: 'robot' | 'user' | 'public'
  /** Cookie-authenticated callers must send `X-Requested-With` (CSRF): set for endpoints that change state. */
  changesState?: boolean
  handler: (req: FastifyRequest, reply: FastifyReply, actor: Actor | null) => Promise<unknown>
  /**
   * The operation as the OpenAPI document states it, declared for every path and method. The handler
   * parses its input with these same schemas (`parseWith(doc.query, req.query)`). The answers to a
   * missing credential (403) and a starting server (503) are added here; other methods (405)
   * and the path without its slash (a redirect) are recorded as not operations of their own.
   */
  doc: EndpointDoc
}

/** What an Educates endpoint declares of itself; the rest (path, method, security) `endpoint` knows. */
export type EndpointDoc = Pick<
  ApiOperation,
  'summary' | 'description' | 'params' | 'query' | 'body' | 'responses'
> & {
  tags?: string[]
}

/**
 * Registers an Educates endpoint with Educates' order of checks: credentials first (a bare 403 for a
 * missing or bad token, or a caller who is not a robot on robot endpoints), then the method (405), then
 * the handler. A GET without the trailing slash is redirected with 301 (308 for other methods, keeping
 * the body), query string kept.
 */
export function endpoint(app: FastifyInstance, ctx: ApiContext, spec: EndpointSpec): void {
  for (const path of spec.paths) {
    app.route({
      method: ALL,
      url: path,
      handler: async (req, reply) => {
        const actor =
          spec.access === 'public' ? await actorOf(ctx, req) : await requireActor(ctx, req, spec.access)
        if (!spec.methods.includes(req.method as 'GET' | 'POST')) {
          throw methodNotAllowed(req.method)
        }
        if (spec.changesState && actor?.via === 'cookie') requireXRequestedWith(req)
        return spec.handler(req, reply, actor)
      },
    })
    redirectToSlash(app, path, { methods: ALL, status: educatesSlashStatus })
    declare(app, path, spec)
  }
}

function declare(app: FastifyInstance, path: string, spec: EndpointSpec): void {
  const { tags, ...doc } = spec.doc
  const errors = educatesErrors(...(spec.access === 'public' ? [] : [403 as const]), 503)
  for (const method of spec.methods) {
    declareOperation(app, {
      ...doc,
      method,
      path,
      tags: tags ?? ['educates'],
      security: spec.access === 'public' ? [] : ['bearer', 'cookie'],
      responses: { ...errors, ...doc.responses },
    })
  }
  const others = ALL.filter((m) => !spec.methods.includes(m as 'GET' | 'POST'))
  notInApi(app, others, path, 'another method: answered 405 Method not allowed')
  notInApi(app, ALL, path.slice(0, -1), 'without the trailing slash: a redirect to the path with it')
}

async function requireActor(ctx: ApiContext, req: FastifyRequest, access: 'robot' | 'user'): Promise<Actor> {
  const actor = await actorOf(ctx, req)
  if (!actor) throw forbidden()
  if (access === 'robot' && !isRobot(actor)) throw forbidden()
  return actor
}
