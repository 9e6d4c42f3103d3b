import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { z } from 'zod'
import { unauthenticated } from '../../domain/errors.js'
import { parseWith } from '../../http/validate.js'
import { renderUwsError } from './envelope.js'
import { AUTH_MESSAGES, tokenOf } from './uws-auth.js'
import { JSON_TYPE, type ApiOperation } from '../../http/openapi/operation.js'
import { declareOperation, notInApi } from '../../http/openapi/registry.js'
import { UwsErrorWire } from './wire.js'

/** What a workspaces route needs to know who calls. */
export interface UwsAuth {
  /** The user behind a workspaces token, or null. */
  authenticate(token: string): Promise<{ userId: string } | null>
  log: (msg: string) => void
}

/** A schema, or `undefined` for an input a route does not take. */
type Schema = z.ZodTypeAny | undefined
type Parsed<S extends Schema> = S extends z.ZodTypeAny ? z.output<S> : undefined

/** A route's inputs, parsed with the schemas its `doc` declares. */
export interface UwsInput<P extends Schema, Q extends Schema, B extends Schema> {
  params: Parsed<P>
  query: Parsed<Q>
  body: Parsed<B>
}

/**
 * The operation as the OpenAPI document states it (tags `workspaces`); `uwsRoute` adds the security,
 * the 401 of a bad credential and the error envelope of every other failure. `params`, `query` and
 * `body.schema` are what the route's input is parsed with, in that order, before the handler runs.
 */
export interface UwsDoc<P extends Schema, Q extends Schema, B extends Schema> extends Pick<
  ApiOperation,
  'summary' | 'description' | 'responses'
> {
  params?: P
  query?: Q
  /** A JSON body (any content type; see `jsonObject`), stated as `application/json`. */
  body?: { schema: B; required?: boolean; description?: string }
  /**
   * A body the handler reads itself (a multipart upload, streamed), stated with the shape that reader
   * accepts. Not parsed here; a route has `body` or `handlerBody`, not both.
   */
  handlerBody?: ApiOperation['body']
}

export interface UwsRouteSpec<P extends Schema, Q extends Schema, B extends Schema> {
  /** Paths ending in `/`; each is answered without the slash too, directly (never by a redirect). */
  paths: string[]
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  /** `open`: no credential needed (a malformed one still fails, as in the original). */
  access: 'user' | 'open'
  doc: UwsDoc<P, Q, B>
  handler: (
    input: UwsInput<P, Q, B>,
    userId: string | null,
    req: FastifyRequest,
  ) => Promise<Record<string, unknown>>
}

const errorResponse = (description: string) => ({ description, content: { [JSON_TYPE]: UwsErrorWire } })

/**
 * Registers a workspaces API route as the original answers it: the credential first (401 "Invalid auth
 * header format." for a malformed header, "Invalid token provided." for an unknown token,
 * "Authentication credentials were not provided." when a user route gets none), then its input parsed
 * with the schemas `doc` declares (400 with the first issue's message), then the handler; every error
 * rendered as `{success: false, message}` with the original's status.
 */
export function uwsRoute<
  P extends Schema = undefined,
  Q extends Schema = undefined,
  B extends Schema = undefined,
>(app: FastifyInstance, auth: UwsAuth, spec: UwsRouteSpec<P, Q, B>): void {
  const { params, query, body, handlerBody, ...doc } = spec.doc
  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    try {
      const token = tokenOf(req.headers)
      let userId: string | null = null
      if (token !== null) {
        const who = await auth.authenticate(token)
        if (!who) throw unauthenticated(AUTH_MESSAGES.unknown)
        userId = who.userId
      }
      if (spec.access === 'user' && userId === null) throw unauthenticated(AUTH_MESSAGES.missing)
      const input = {
        params: params && parseWith(params, req.params),
        query: query && parseWith(query, req.query),
        body: body && parseWith(body.schema!, req.body),
      } as UwsInput<P, Q, B>
      return await spec.handler(input, userId, req)
    } catch (err) {
      const r = renderUwsError(err, auth.log)
      return reply.status(r.status).type('application/json; charset=utf-8').send(r.body)
    }
  }
  for (const path of spec.paths) {
    app.route({ method: spec.method, url: path, handler })
    app.route({ method: spec.method, url: path.slice(0, -1), handler })
    declareOperation(app, {
      ...doc,
      ...(params ? { params } : {}),
      ...(query ? { query } : {}),
      ...(body ? { body: { ...body, schema: body.schema!, types: [JSON_TYPE] } } : {}),
      ...(handlerBody ? { body: handlerBody } : {}),
      method: spec.method,
      path,
      tags: ['workspaces'],
      security: spec.access === 'user' ? ['uwsToken', 'bearer'] : [],
      responses: {
        401: errorResponse('A malformed, unknown or (on user routes) missing credential'),
        default: errorResponse('Any other failure, with its status (400, 403, 404, 413, 422, 503, 500)'),
        ...doc.responses,
      },
    })
    notInApi(app, [spec.method], path.slice(0, -1), 'the same operation without the trailing slash')
  }
}
