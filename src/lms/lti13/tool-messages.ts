/**
 * What the tool signs and sends to a platform: the Deep Linking 2.0 response (the labs a teacher picked),
 * the client assertion that buys a service token (IMS Security Framework §4.1), and the AGS 2.0 score of
 * a learner who finished. Pure: the caller passes the signer (the tool's current RS256 key) and the clock.
 */
import { CLAIM } from './claims.js'

/** Signs `payload` as a compact RS256 JWS with the tool's current key (its `kid` in the header). */
export type ToolSigner = (payload: Record<string, unknown>) => Promise<string>

/** A lab offered to the platform as an LTI resource link. */
export interface LinkedLab {
  /** The lab's id in this LMS's registration (the launch's `custom.lab`). */
  lab: string
  title: string
  /** The tool's launch URL for it. */
  url: string
  /** Asks the platform for a grade-book column out of `scoreMaximum`, when set. */
  scoreMaximum?: number
}

/**
 * The Deep Linking response to `settings.returnUrl`: a JWT (field `JWT` of an auto-submitted form) from
 * the tool (`iss` = its client id) to the platform (`aud` = its issuer), echoing `data`, with one
 * `ltiResourceLink` per lab (carrying `custom.lab`). `exp` is 5 minutes after `now`.
 */
export async function deepLinkingResponse(
  sign: ToolSigner,
  o: {
    clientId: string
    platformIssuer: string
    deploymentId: string
    data: string | null
    labs: LinkedLab[]
    nonce: string
    now: number
  },
): Promise<string> {
  const iat = Math.floor(o.now / 1000)
  return sign({
    iss: o.clientId,
    aud: o.platformIssuer,
    iat,
    exp: iat + 300,
    nonce: o.nonce,
    [CLAIM.deploymentId]: o.deploymentId,
    [CLAIM.messageType]: 'LtiDeepLinkingResponse',
    [CLAIM.version]: '1.3.0',
    ...(o.data !== null ? { 'https://purl.imsglobal.org/spec/lti-dl/claim/data': o.data } : {}),
    'https://purl.imsglobal.org/spec/lti-dl/claim/content_items': o.labs.map((l) => ({
      type: 'ltiResourceLink',
      title: l.title,
      url: l.url,
      custom: { lab: l.lab },
      ...(l.scoreMaximum !== undefined
        ? { lineItem: { scoreMaximum: l.scoreMaximum, label: l.title, resourceId: l.lab } }
        : {}),
    })),
  })
}

/** The client assertion of a service-token request to `tokenUrl`: `iss` = `sub` = client id, one-use `jti`. */
export function clientAssertion(
  sign: ToolSigner,
  o: { clientId: string; tokenUrl: string; jti: string; now: number },
): Promise<string> {
  const iat = Math.floor(o.now / 1000)
  return sign({ iss: o.clientId, sub: o.clientId, aud: o.tokenUrl, iat, exp: iat + 300, jti: o.jti })
}

/** The form of a service-token request (`client_credentials` with a JWT client assertion). */
export function serviceTokenForm(assertion: string, scopes: readonly string[]): URLSearchParams {
  return new URLSearchParams({
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
    scope: scopes.join(' '),
  })
}

/** AGS 2.0 scopes. */
export const AGS_SCORE_SCOPE = 'https://purl.imsglobal.org/spec/lti-ags/scope/score'
export const NRPS_SCOPE = 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly'

/** Where a score is posted: the line item URL with `/scores` before its query string. */
export function scoresUrl(lineitem: string): string {
  const url = new URL(lineitem)
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/scores`
  return url.toString()
}

/** The AGS score of a learner who finished the lab: full marks, `Completed`, `FullyGraded`. */
export function completedScore(o: { userId: string; now: number; scoreMaximum?: number; comment?: string }) {
  const max = o.scoreMaximum ?? 1
  return {
    userId: o.userId,
    scoreGiven: max,
    scoreMaximum: max,
    ...(o.comment ? { comment: o.comment } : {}),
    timestamp: new Date(o.now).toISOString(),
    activityProgress: 'Completed',
    gradingProgress: 'FullyGraded',
  }
}
