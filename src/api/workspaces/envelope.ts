/**
 * The HuBMAP user-workspaces server's answers: `{message, success: true, data}` on success and
 * `{success: false, message}` on error, with its status codes (400, 401, 403, 404, 413, 422; anything
 * unexpected a logged 500 with a generic message). One place for the whole API.
 */
import { LabgateError, type ErrorCode } from '../../domain/errors.js'

/** A success body: `data` omitted when absent (the original's update and delete answers). */
export function ok(message: string, data?: Record<string, unknown>): Record<string, unknown> {
  return data === undefined ? { message, success: true } : { message, success: true, data }
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  unprocessable: 422,
  rate_limited: 429,
  unavailable: 503,
  backend_failed: 503,
}

/**
 * Renders any thrown value as the original would: a `LabgateError` with its status and message; a
 * Fastify request error (bad JSON, body too large) with its status; anything else a 500 whose detail goes
 * to `log` only.
 */
export function renderUwsError(
  err: unknown,
  log: (msg: string) => void,
): { status: number; body: Record<string, unknown> } {
  if (err instanceof LabgateError) {
    const status = STATUS[err.code] ?? 400
    return { status, body: { success: false, message: err.message } }
  }
  const fe = err as { statusCode?: unknown; message?: unknown; code?: unknown }
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const message =
      fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'Request body is too large.' : String(fe.message)
    return { status: fe.statusCode, body: { success: false, message } }
  }
  log(`internal error: ${(err as Error)?.stack ?? String(err)}`)
  return { status: 500, body: { success: false, message: 'Internal server error.' } }
}
