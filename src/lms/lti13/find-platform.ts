/**
 * Which registered LMS an LTI 1.3 message comes from: the one whose `lti13.issuer` is the message's
 * issuer and whose `clientId` is the one the message names (login initiation's `client_id`, or one of the
 * id_token's audiences). Pure.
 */
import type { LmsRegistration, Lti13Registration } from '../../config/types.js'

export type Lti13Lms = LmsRegistration & { lti13: Lti13Registration }

export type PlatformLookup = { ok: true; lms: Lti13Lms } | { ok: false; detail: string }

/**
 * The LMS registered for `iss` and one of `clientIds`. With no client id given (a login initiation may
 * omit it), the issuer must be registered once; registered under several clients, the message must say
 * which.
 */
export function findPlatform(
  lms: readonly LmsRegistration[],
  iss: string,
  clientIds: readonly string[],
): PlatformLookup {
  const ofIssuer = lms.filter((l): l is Lti13Lms => l.lti13?.issuer === iss)
  if (ofIssuer.length === 0) return { ok: false, detail: `no LMS is registered with issuer ${iss}` }
  if (clientIds.length === 0) {
    if (ofIssuer.length === 1) return { ok: true, lms: ofIssuer[0]! }
    return { ok: false, detail: `issuer ${iss} is registered for several clients: send client_id` }
  }
  const match = ofIssuer.find((l) => clientIds.includes(l.lti13.clientId))
  return match
    ? { ok: true, lms: match }
    : { ok: false, detail: `issuer ${iss} is not registered for client ${clientIds.join(', ')}` }
}
