/**
 * Typed errors with a code. Use cases throw these; one table (`src/http/errors.ts`) maps codes to HTTP.
 * Anything else that escapes a handler is a bug: it is logged and answered with a generic 500.
 */
export type ErrorCode =
  | 'bad_request'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'illegal_transition'
  | 'unavailable'
  | 'payload_too_large'
  | 'config_invalid'
  | 'backend_failed'
  | 'rate_limited'
  | 'unprocessable'

export class LabgateError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra machine-readable detail for the presenter (e.g. Educates' JSON error body). */
    readonly detail?: Record<string, unknown>,
  ) {
    super(message)
    this.name = 'LabgateError'
  }
}

export const badRequest = (msg: string) => new LabgateError('bad_request', msg)
/** Forbidden; with no message the HTTP answer is Educates' bare 403 with an empty body. */
export const forbidden = (msg = '') => new LabgateError('forbidden', msg)
export const methodNotAllowed = (method: string) =>
  new LabgateError('method_not_allowed', `Method ${method} not allowed`)
export const notFound = (msg: string) => new LabgateError('not_found', msg)
export const unavailable = (msg: string) => new LabgateError('unavailable', msg)
export const payloadTooLarge = (msg: string) => new LabgateError('payload_too_large', msg)
export const conflict = (msg: string) => new LabgateError('conflict', msg)
/** Too many requests of one kind in a short time (HTTP 429). */
export const rateLimited = (msg: string) => new LabgateError('rate_limited', msg)
/** Well-formed but invalid (HTTP 422): resource options outside what `GET /parameters/` allows. */
export const unprocessable = (msg: string) => new LabgateError('unprocessable', msg)
/** No credential or a bad one where the API answers 401 (the workspaces API; Educates' answers 403). */
export const unauthenticated = (msg: string) => new LabgateError('unauthenticated', msg)
