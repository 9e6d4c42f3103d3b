/**
 * OAuth 2.0 wire errors (RFC 6749 §5.2, RFC 7009 §2.2.1). Use cases throw these classes; the HTTP layer
 * renders every one through `oauthErrorResponse`, the only place that knows statuses and headers.
 */

/** Base class: `error` is the RFC error code, `error_description` a human-readable sentence. */
export abstract class OAuthError extends Error {
  abstract readonly error: string
  readonly status: number = 400
  constructor(readonly error_description: string) {
    super(error_description)
  }
}

/** Client authentication failed (unknown client, wrong or missing secret). 401 with a Basic challenge. */
export class InvalidClient extends OAuthError {
  readonly error = 'invalid_client'
  override readonly status = 401
  override name = 'InvalidClient'
}

/** The grant (password, refresh token, code) is invalid, expired, revoked or issued to another client. */
export class InvalidGrant extends OAuthError {
  readonly error = 'invalid_grant'
  override name = 'InvalidGrant'
}

/** A parameter is missing, repeated, or malformed. */
export class InvalidRequest extends OAuthError {
  readonly error = 'invalid_request'
  override name = 'InvalidRequest'
}

/** `grant_type` names a grant this server does not support. */
export class UnsupportedGrantType extends OAuthError {
  readonly error = 'unsupported_grant_type'
  override name = 'UnsupportedGrantType'
}

/** The authenticated client may not use this grant type. */
export class UnauthorizedClient extends OAuthError {
  readonly error = 'unauthorized_client'
  override name = 'UnauthorizedClient'
}

/** The requested scope is unknown, or broader than the client (or the original grant) allows. */
export class InvalidScope extends OAuthError {
  readonly error = 'invalid_scope'
  override name = 'InvalidScope'
}

/** RFC 7009: the server does not support revoking this kind of token. */
export class UnsupportedTokenType extends OAuthError {
  readonly error = 'unsupported_token_type'
  override name = 'UnsupportedTokenType'
}

/** A rendered OAuth error response. */
export interface OAuthErrorResponse {
  status: number
  headers: Record<string, string>
  body: { error: string; error_description?: string }
}

/**
 * Renders any thrown value as an RFC 6749 error response: an `OAuthError` with its status and code
 * (`invalid_client` with `WWW-Authenticate: Basic realm="labgate"`, `Retry-After` for an error with a
 * numeric `retryAfter`), anything else as a 500
 * `server_error` without details (log the original). Never throws.
 */
export function oauthErrorResponse(err: unknown): OAuthErrorResponse {
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    pragma: 'no-cache',
  }
  if (!(err instanceof OAuthError))
    return {
      status: 500,
      headers,
      body: { error: 'server_error', error_description: 'Internal server error' },
    }
  if (err instanceof InvalidClient) headers['www-authenticate'] = 'Basic realm="labgate"'
  const retryAfter = (err as { retryAfter?: unknown }).retryAfter
  if (typeof retryAfter === 'number') headers['retry-after'] = String(retryAfter)
  return { status: err.status, headers, body: { error: err.error, error_description: err.error_description } }
}
