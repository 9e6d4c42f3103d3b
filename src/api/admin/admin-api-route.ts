/**
 * How every admin API route (`/admin/api/`) is registered: declared in the OpenAPI document, callers
 * authenticated (a bearer access token or the portal's cookie, else 401) and authorized through
 * `mayUseAdminApi` (staff, else 403), `X-Requested-With` required of cookie callers on changes (CSRF),
 * a body of another media type than the operation declares refused with 415, and every refusal answered
 * as JSON `{"error": ...}` (by `renderJsonError`). Answers are JSON, or a file to download.
 */
import { Readable } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { z } from 'zod'
import type { Actor } from '../../broker/actor.js'
import { mayUseAdminApi } from '../../broker/policies.js'
import { forbidden, unauthenticated } from '../../domain/errors.js'
import { actorOf, type ApiContext } from '../../http/context.js'
import { requireXRequestedWith } from '../../http/csrf.js'
import { renderJsonError } from '../../http/errors.js'
import { JSON_TYPE, type ApiOperation, fastifyPath } from '../../http/openapi/operation.js'
import { declareOperation } from '../../http/openapi/registry.js'
import { AdminApiError } from './wire.js'

const JSON_ANSWER = 'application/json; charset=utf-8'
const refusal = (description: string) => ({ description, content: { [JSON_TYPE]: AdminApiError } })

/** The answers every admin API operation may give besides its own. */
const COMMON = {
  400: refusal('Bad input: the message says what to fix'),
  401: refusal('No credential, or one that is unknown, expired or revoked'),
  403: refusal('Not staff, or a cookie caller changing something without X-Requested-With'),
}

/** A handler's answer that is a file to download (`content-disposition: attachment`) instead of JSON. */
export class AdminApiFile {
  constructor(
    /** The full content type, e.g. `text/csv; charset=utf-8`. */
    readonly type: string,
    /** The name the caller saves it as. */
    readonly filename: string,
    /** The content, or its chunks as they are made (streamed, never held whole). */
    readonly body: string | AsyncIterable<string>,
  ) {}
}

/**
 * One admin API operation: its document entry (security and common answers are added, and 415 when it
 * takes a body) and its handler, whose answer is sent as JSON unless it is an {@link AdminApiFile}.
 */
export interface AdminApiSpec {
  doc: Omit<ApiOperation, 'tags' | 'security'>
  handler: (req: FastifyRequest, staff: Actor) => Promise<unknown>
}

/** The request's body media type (lower case, without parameters), or null when it sends no body. */
function bodyType(req: FastifyRequest): string | null {
  const length = Number(req.headers['content-length'] ?? 0)
  if (!length && req.headers['transfer-encoding'] === undefined) return null
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
}

const send = (reply: FastifyReply, status: number, type: string, body: unknown) =>
  reply.status(status).header('cache-control', 'no-store').type(type).send(body)

/** The staff member calling, or throws unauthenticated (401) / forbidden (403). */
export async function adminApiCaller(ctx: ApiContext, req: FastifyRequest): Promise<Actor> {
  const actor = await actorOf(ctx, req)
  if (!actor)
    throw unauthenticated(
      'Send a staff access token (Authorization: Bearer <token>) or sign in at the portal first.',
    )
  if (!mayUseAdminApi(actor)) throw forbidden('The admin API is for staff: this account is not staff.')
  if (actor.via === 'cookie' && req.method !== 'GET' && req.method !== 'HEAD') requireXRequestedWith(req)
  return actor
}

/** Declares and registers one admin API operation. */
export function adminApiRoute(
  app: FastifyInstance,
  ctx: ApiContext,
  log: (msg: string) => void,
  spec: AdminApiSpec,
): void {
  const types = spec.doc.body?.types ?? []
  const sendAs = `send the body as ${types.join(' or ')}`
  const responses: ApiOperation['responses'] = { ...COMMON }
  if (types.length) responses[415] = refusal(`A body of another media type: ${sendAs}`)
  declareOperation(app, {
    ...spec.doc,
    tags: ['admin'],
    security: ['bearer', 'cookie'],
    responses: { ...responses, ...spec.doc.responses },
  })
  app.route({
    method: spec.doc.method,
    url: fastifyPath(spec.doc.path),
    errorHandler: (err, _req, reply) => {
      const r = renderJsonError(err, log)
      void send(reply, r.status, r.type, r.body)
    },
    handler: async (req, reply) => {
      const staff = await adminApiCaller(ctx, req)
      // The catch-all parser reads any body as text, so the media type is checked here: a form or plain
      // text must not be taken for JSON. No body at all goes on to the operation's own "send a body".
      const type = bodyType(req)
      if (types.length && type !== null && !types.includes(type))
        return send(reply, 415, JSON_ANSWER, { error: `Unsupported content type: ${sendAs}.` })
      const body = await spec.handler(req, staff)
      if (!(body instanceof AdminApiFile)) return send(reply, 200, JSON_ANSWER, body)
      void reply
        .header('x-content-type-options', 'nosniff')
        .header('content-disposition', `attachment; filename="${body.filename}"`)
      return send(reply, 200, body.type, typeof body.body === 'string' ? body.body : Readable.from(body.body))
    },
  })
}

/** A JSON answer of `schema`. */
export const answer = (description: string, schema: z.ZodTypeAny) => ({
  description,
  content: { [JSON_TYPE]: schema },
})
