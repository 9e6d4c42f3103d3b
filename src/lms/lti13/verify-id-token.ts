/**
 * Verifies an LTI 1.3 id_token (IMS Security Framework §5.1.3) against the registration of the platform
 * that sent it: signature by one of the platform's keys (RS256), `iss`, `aud` (and `azp` when `aud` has
 * several values), `exp`, `iat` not older than the allowed age, a `nonce`, an LTI version 1.3.0 message of
 * a known type, and a deployment the registration lists. The nonce is returned, not checked: the caller
 * records it single-use (and checks the `state` bound to the browser).
 */
import { decodeJwt, errors, jwtVerify } from 'jose'
import type { Clock } from '../../domain/clock.js'
import { CLAIM, MESSAGE_TYPES, readLaunch, type Lti13Launch } from './claims.js'
import type { PlatformKeys } from './platform-keys.js'

/** What labgate knows of a platform (an LMS's `lti13` registration). */
export interface PlatformRegistration {
  issuer: string
  clientId: string
  deploymentIds: readonly string[]
  jwksUrl: string
}

/** Why an id_token was refused. */
export type IdTokenRefusal =
  | 'malformed'
  | 'bad_signature'
  | 'unknown_key'
  | 'keys_unavailable'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'expired'
  | 'too_old'
  | 'bad_message'
  | 'unlisted_deployment'

export type IdTokenVerdict =
  { ok: true; launch: Lti13Launch } | { ok: false; reason: IdTokenRefusal; detail: string }

/** The longest an id_token may have been issued before it is presented (IMS recommends minutes). */
export const DEFAULT_MAX_AGE_S = 60

/**
 * The `iss` and `aud` an id_token claims, read without verifying anything: only to pick the registration
 * to verify it against. Null for a string that is not a JWT with a string `iss`.
 */
export function peekIssuer(idToken: string): { iss: string; aud: string[] } | null {
  try {
    const p = decodeJwt(idToken)
    if (typeof p.iss !== 'string') return null
    const aud = typeof p.aud === 'string' ? [p.aud] : Array.isArray(p.aud) ? p.aud : []
    return { iss: p.iss, aud }
  } catch {
    return null
  }
}

const refuse = (reason: IdTokenRefusal, detail: string): IdTokenVerdict => ({ ok: false, reason, detail })

/** Verifies `idToken` as described above; never throws. */
export async function verifyIdToken(
  idToken: string,
  reg: PlatformRegistration,
  d: { keys: PlatformKeys; clock: Clock; maxAgeS?: number },
): Promise<IdTokenVerdict> {
  let payload: Record<string, unknown>
  try {
    ;({ payload } = await jwtVerify(idToken, d.keys.keysAt(reg.jwksUrl), {
      algorithms: ['RS256'],
      issuer: reg.issuer,
      audience: reg.clientId,
      currentDate: new Date(d.clock.now()),
      maxTokenAge: `${d.maxAgeS ?? DEFAULT_MAX_AGE_S}s`,
      requiredClaims: ['iss', 'aud', 'sub', 'exp', 'iat', 'nonce'],
    }))
  } catch (e) {
    return refusalOf(e)
  }
  const aud = payload.aud
  if (Array.isArray(aud) && aud.length > 1 && payload.azp !== reg.clientId)
    return refuse('wrong_audience', `azp must be ${reg.clientId} when aud has several values`)
  if (payload[CLAIM.version] !== '1.3.0') return refuse('bad_message', 'the LTI version is not 1.3.0')
  const type = payload[CLAIM.messageType]
  if (!(MESSAGE_TYPES as readonly unknown[]).includes(type))
    return refuse('bad_message', `unsupported message type ${JSON.stringify(type)}`)
  if (typeof payload.sub !== 'string' || payload.sub.length === 0)
    return refuse('bad_message', 'the launch has no user (sub)')
  if (typeof payload.nonce !== 'string' || payload.nonce.length === 0)
    return refuse('bad_message', 'the launch has no nonce')
  const deployment = payload[CLAIM.deploymentId]
  if (typeof deployment !== 'string' || !reg.deploymentIds.includes(deployment))
    return refuse('unlisted_deployment', `deployment ${JSON.stringify(deployment)} is not registered`)
  return { ok: true, launch: readLaunch(payload) }
}

function refusalOf(e: unknown): IdTokenVerdict {
  if (e instanceof errors.JWTExpired)
    return e.claim === 'iat'
      ? refuse('too_old', 'the id_token was issued too long ago')
      : refuse('expired', 'the id_token has expired')
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.claim === 'iss') return refuse('wrong_issuer', 'the id_token is from another issuer')
    if (e.claim === 'aud') return refuse('wrong_audience', 'the id_token is for another client')
    if (e.claim === 'iat' || e.claim === 'nbf')
      return refuse('too_old', `the id_token's ${e.claim} is not acceptable`)
    return refuse('bad_message', `the id_token's ${e.claim} claim is missing or invalid`)
  }
  if (e instanceof errors.JWKSNoMatchingKey)
    return refuse('unknown_key', 'no key of the platform matches the token')
  if (e instanceof errors.JWKSTimeout || e instanceof errors.JWKSInvalid)
    return refuse('keys_unavailable', "the platform's keys could not be fetched")
  if (e instanceof errors.JWSSignatureVerificationFailed || e instanceof errors.JOSEAlgNotAllowed)
    return refuse('bad_signature', 'the id_token signature does not verify')
  if (
    e instanceof errors.JWTInvalid ||
    e instanceof errors.JWSInvalid ||
    e instanceof errors.JOSENotSupported
  )
    return refuse('malformed', 'the id_token is not a valid JWT')
  return refuse('keys_unavailable', `the platform's keys could not be used: ${(e as Error).message}`)
}
