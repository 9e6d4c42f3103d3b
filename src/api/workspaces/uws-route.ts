import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { badRequest, unauthenticated } from '../../domain/errors.js'
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

export interface UwsRouteSpec {
  /** Paths ending in `/`; each is answered without the slash too, directly (never by a redirect). */
  paths: string[]
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  /** `open`: no credential needed (a malformed one still fails, as in the original). */
  access: 'user' | 'open'
  handler: (
    req: FastifyRequest,
    userId: string | null,
    reply: FastifyReply,
  ) => Promise<Record<string, unknown>>
  /**
   * The operation as the OpenAPI document states it (tags `workspaces`); `uwsRoute` adds the security,
   * the 401 of a bad credential and the error envelope of every other failure.
   */
  doc: Pick<ApiOperation, 'summary' | 'description' | 'params' | 'query' | 'body' | 'responses'>
}

const errorResponse = (description: string) => ({ description, content: { [JSON_TYPE]: UwsErrorWire } })

/**
 * Registers a workspaces API route as the original answers it: the credential first (401 "Invalid auth
 * header format." for a malformed header, "Invalid token provided." for an unknown token,
 * "Authentication credentials were not provided." when a user route gets none), then the handler; every
 * error rendered as `{success: false, message}` with the original's status.
 */
export function uwsRoute(app: FastifyInstance, auth: UwsAuth, spec: UwsRouteSpec): void {
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
      return await spec.handler(req, userId, reply)
    } catch (err) {
      const r = renderUwsError(err, auth.log)
      return reply.status(r.status).type('application/json; charset=utf-8').send(r.body)
    }
  }
  for (const path of spec.paths) {
    app.route({ method: spec.method, url: path, handler })
    app.route({ method: spec.method, url: path.slice(0, -1), handler })
    declareOperation(app, {
      ...spec.doc,
      method: spec.method,
      path,
      tags: ['workspaces'],
      security: spec.access === 'user' ? ['uwsToken', 'bearer'] : [],
      responses: {
        401: errorResponse('A malformed, unknown or (on user routes) missing credential'),
        default: errorResponse('Any other failure, with its status (400, 403, 404, 413, 422, 503, 500)'),
        ...spec.doc.responses,
      },
    })
    notInApi(app, [spec.method], path.slice(0, -1), 'the same operation without the trailing slash')
  }
}

/** The request's body as a JSON object (any content type, as the original's clients send); `{}` when empty. */
export function jsonBody(req: FastifyRequest): Record<string, unknown> {
  const raw = req.body
  if (raw === undefined || raw === null || raw === '') return {}
  let value: unknown = raw
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw)
    } catch {
      throw badRequest('JSON parse error: the request body is not valid JSON.')
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest('The request body must be a JSON object.')
  }
  return value as Record<string, unknown>
}

/** A positive integer id from a path parameter; `not found` style 404 otherwise is the router's, so 400 here. */
export function idParam(req: FastifyRequest, name = 'id'): number {
  const text = (req.params as Record<string, string>)[name] ?? ''
  const id = /^[1-9][0-9]{0,15}$/.test(text) ? Number(text) : NaN
  if (!Number.isSafeInteger(id))
    throw badRequest(`${name} must be a positive integer, got ${JSON.stringify(text)}.`)
  return id
}
