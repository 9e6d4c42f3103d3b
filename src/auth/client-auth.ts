/**
 * Client authentication at the token and revocation endpoints (RFC 6749 §2.3.1): HTTP Basic or
 * `client_id`/`client_secret` in the form body, secrets checked against their stored scrypt hash.
 */
import { formParam } from './form-params.js'
import { InvalidClient, InvalidRequest } from './oauth-errors.js'
import type { ClientRecord } from '../store/auth-records.js'
import type { AuthStore } from '../store/auth-store.js'
import { UNMETERED_CHECKS, type SecretChecker } from './secret-gate.js'

/** Credentials a client presented. `clientSecret` is null when none was given (public clients). */
export interface ClientCredentials {
  clientId: string
  clientSecret: string | null
  method: 'client_secret_basic' | 'client_secret_post' | 'none'
}

/** Form decoding of one Basic credential part (RFC 6749 §2.3.1 `application/x-www-form-urlencoded`). */
function formDecode(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '))
  } catch {
    throw new InvalidClient('Malformed client credentials in the Authorization header')
  }
}

/**
 * The client credentials of a request: from `Authorization: Basic` when present (Basic wins), else from
 * `client_id`/`client_secret` in `body`. Throws `InvalidRequest` when both carry a value and they differ,
 * or a body parameter is repeated; `InvalidClient` when no client id is given or the Basic header is
 * malformed. Other `Authorization` schemes are ignored.
 */
export function parseClientCredentials(
  authorization: string | undefined,
  body: Record<string, unknown>,
): ClientCredentials {
  const bodyId = formParam(body, 'client_id')
  const bodySecret = formParam(body, 'client_secret')
  if (authorization !== undefined && /^\s*basic(\s|$)/i.test(authorization)) {
    const basic = authorization.match(/^\s*basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i)
    if (!basic) throw new InvalidClient('Malformed client credentials in the Authorization header')
    const decoded = Buffer.from(basic[1] ?? '', 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon < 1) throw new InvalidClient('Malformed client credentials in the Authorization header')
    const clientId = formDecode(decoded.slice(0, colon))
    const clientSecret = formDecode(decoded.slice(colon + 1))
    if (
      (bodyId !== undefined && bodyId !== clientId) ||
      (bodySecret !== undefined && bodySecret !== clientSecret)
    )
      throw new InvalidRequest(
        'Client credentials given both in the Authorization header and in the body differ',
      )
    return { clientId, clientSecret, method: 'client_secret_basic' }
  }
  if (bodyId === undefined) throw new InvalidClient('Client authentication is required')
  return bodySecret === undefined
    ? { clientId: bodyId, clientSecret: null, method: 'none' }
    : { clientId: bodyId, clientSecret: bodySecret, method: 'client_secret_post' }
}

/**
 * The client these credentials authenticate. A confidential client must present its secret (checked in
 * constant time against the scrypt hash); a public client must present none. Throws `InvalidClient`
 * otherwise (and for a disabled client), taking about as long for an unknown client as for a wrong secret.
 * Secrets are checked by `checks` (a request's `SecretGate` checker, which throws `TooManyHashes` over
 * budget); the default runs scrypt unmetered.
 */
export async function authenticateClient(
  auth: AuthStore,
  creds: Pick<ClientCredentials, 'clientId' | 'clientSecret'>,
  checks: SecretChecker = UNMETERED_CHECKS,
): Promise<ClientRecord> {
  const found = await auth.getClientWithSecret(creds.clientId)
  const fail = () => new InvalidClient('Client authentication failed')
  const { clientId, clientSecret } = creds
  if (found?.client.disabled) {
    if (clientSecret !== null) await checks.clientSecret(clientId, clientSecret, null)
    throw fail()
  }
  if (!found || found.secretHash === null) {
    if (clientSecret !== null) await checks.clientSecret(clientId, clientSecret, null)
    if (!found || clientSecret !== null) throw fail()
    return found.client
  }
  if (clientSecret === null || !(await checks.clientSecret(clientId, clientSecret, found.secretHash)))
    throw fail()
  return found.client
}
