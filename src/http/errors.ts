import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { LabgateError, type ErrorCode } from '../domain/errors.js'

/** The one table from error codes to HTTP statuses. */
export const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthenticated: 403, // Educates answers a missing or bad token with 403, not 401
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  illegal_transition: 409,
  payload_too_large: 413,
  unavailable: 503,
  config_invalid: 500,
  backend_failed: 503,
  rate_limited: 429,
  unprocessable: 422,
}

/** A rendered HTTP error: status, content type and body. */
export interface HttpError {
  status: number
  type: 'text/plain; charset=utf-8' | 'application/json; charset=utf-8'
  body: string
}

/**
 * Renders any thrown value as Educates would answer it: 400/403/404 as short plain text (a bare 403 with
 * an empty body when there is no message), 503 as JSON `{"error": ...}`. Fastify's own request errors
 * (bad JSON, body too large) keep their status with a plain message. Anything else is a 500 whose
 * details go to the log, never to the client.
 */
export function renderError(err: unknown, log: (msg: string) => void): HttpError {
  if (err instanceof LabgateError) {
    const status = STATUS[err.code]
    if (status === 503) {
      return {
        status,
        type: 'application/json; charset=utf-8',
        body: JSON.stringify(err.detail ?? { error: err.message }),
      }
    }
    return { status, type: 'text/plain; charset=utf-8', body: err.message }
  }
  const fe = err as FastifyError
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const message =
      fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? 'Request body is too large'
        : fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? 'Unsupported content type'
          : fe.statusCode === 400
            ? `Bad request: ${fe.message}`
            : fe.message
    return { status: fe.statusCode, type: 'text/plain; charset=utf-8', body: message }
  }
  log(`internal error: ${(err as Error)?.stack ?? String(err)}`)
  return { status: 500, type: 'text/plain; charset=utf-8', body: 'Internal server error' }
}

/**
 * Renders any thrown value for the admin API (`/admin/api/`): JSON `{"error": message}` with the status of
 * {@link STATUS}, except that a missing or bad credential is 401 (the Educates API's 403 is its own quirk).
 * Fastify's request errors keep their status; anything else is a 500 whose details go to `log` only.
 */
export function renderJsonError(err: unknown, log: (msg: string) => void): HttpError {
  const type = 'application/json; charset=utf-8' as const
  if (err instanceof LabgateError) {
    const status = err.code === 'unauthenticated' ? 401 : STATUS[err.code]
    return { status, type, body: JSON.stringify({ error: err.message || 'Forbidden' }) }
  }
  const fe = err as FastifyError
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const plain = renderError(err, log)
    return { status: plain.status, type, body: JSON.stringify({ error: plain.body }) }
  }
  log(`internal error: ${(err as Error)?.stack ?? String(err)}`)
  return { status: 500, type, body: JSON.stringify({ error: 'Internal server error' }) }
}

/** Fastify error handler using `renderError`. */
export function errorHandler(log: (msg: string) => void) {
  return (err: unknown, _req: FastifyRequest, reply: FastifyReply) => {
    const r = renderError(err, log)
    void reply.status(r.status).type(r.type).send(r.body)
  }
}
