/**
 * The claims of an LTI 1.3 message (IMS LTI Core 1.3, Deep Linking 2.0, AGS 2.0, NRPS 2.0) as labgate
 * reads them, and the typed launch it makes of a verified id_token. Pure.
 */

const LTI = 'https://purl.imsglobal.org/spec/lti/claim/'

/** The claim names, in full. */
export const CLAIM = {
  messageType: `${LTI}message_type`,
  version: `${LTI}version`,
  deploymentId: `${LTI}deployment_id`,
  targetLinkUri: `${LTI}target_link_uri`,
  resourceLink: `${LTI}resource_link`,
  roles: `${LTI}roles`,
  context: `${LTI}context`,
  custom: `${LTI}custom`,
  launchPresentation: `${LTI}launch_presentation`,
  ags: 'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint',
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice',
  deepLinking: 'https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings',
} as const

/** The message types a tool launch may carry. */
export const MESSAGE_TYPES = ['LtiResourceLinkRequest', 'LtiDeepLinkingRequest'] as const
export type MessageType = (typeof MESSAGE_TYPES)[number]

/** What a launch's user may do in labgate: an instructor sees the course, a learner their lab. */
export type LaunchRole = 'learner' | 'instructor'

/** A verified LTI 1.3 launch, as labgate uses it. */
export interface Lti13Launch {
  messageType: MessageType
  /** The platform (`iss`) and the user there (`sub`). */
  issuer: string
  sub: string
  deploymentId: string
  nonce: string
  name: string | null
  givenName: string | null
  familyName: string | null
  email: string | null
  role: LaunchRole
  /** All the LTI roles as sent. */
  roles: string[]
  context: { id: string; label: string | null; title: string | null } | null
  resourceLink: { id: string; title: string | null } | null
  targetLinkUri: string | null
  /** `custom` claim values (strings only; others are dropped). */
  custom: Record<string, string>
  /** AGS endpoint, when the platform offers grade passback for this launch. */
  ags: { scope: string[]; lineitem: string | null; lineitems: string | null } | null
  /** NRPS endpoint, when the platform offers the roster. */
  nrps: { contextMembershipsUrl: string } | null
  /** Deep linking settings (an `LtiDeepLinkingRequest` only). */
  deepLinking: {
    returnUrl: string
    acceptTypes: string[]
    acceptMultiple: boolean
    data: string | null
  } | null
  returnUrl: string | null
}

const INSTRUCTOR_ROLES = [
  'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor',
  'http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper',
  'http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator',
  'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator',
  'http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator',
]

/** `instructor` for any teaching or administrative role (membership, institution or system), else `learner`. */
export function launchRole(roles: readonly string[]): LaunchRole {
  return roles.some((r) => INSTRUCTOR_ROLES.includes(r)) ? 'instructor' : 'learner'
}

type Claims = Record<string, unknown>

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null)
const obj = (v: unknown): Claims | null =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Claims) : null
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : [])

/**
 * The launch in `claims` (a verified id_token's payload whose message type, deployment and nonce were
 * checked already). Malformed optional claims are treated as absent.
 */
export function readLaunch(claims: Claims): Lti13Launch {
  const roles = strings(claims[CLAIM.roles])
  const context = obj(claims[CLAIM.context])
  const link = obj(claims[CLAIM.resourceLink])
  const ags = obj(claims[CLAIM.ags])
  const nrps = obj(claims[CLAIM.nrps])
  const dl = obj(claims[CLAIM.deepLinking])
  const custom = obj(claims[CLAIM.custom]) ?? {}
  return {
    messageType: claims[CLAIM.messageType] as MessageType,
    issuer: String(claims.iss),
    sub: String(claims.sub),
    deploymentId: String(claims[CLAIM.deploymentId]),
    nonce: String(claims.nonce),
    name: str(claims.name),
    givenName: str(claims.given_name),
    familyName: str(claims.family_name),
    email: str(claims.email),
    role: launchRole(roles),
    roles,
    context:
      context && str(context.id)
        ? { id: str(context.id)!, label: str(context.label), title: str(context.title) }
        : null,
    resourceLink: link && str(link.id) ? { id: str(link.id)!, title: str(link.title) } : null,
    targetLinkUri: str(claims[CLAIM.targetLinkUri]),
    custom: Object.fromEntries(
      Object.entries(custom).filter((e): e is [string, string] => typeof e[1] === 'string'),
    ),
    ags: ags
      ? { scope: strings(ags.scope), lineitem: str(ags.lineitem), lineitems: str(ags.lineitems) }
      : null,
    nrps:
      nrps && str(nrps.context_memberships_url)
        ? { contextMembershipsUrl: str(nrps.context_memberships_url)! }
        : null,
    deepLinking:
      dl && str(dl.deep_link_return_url)
        ? {
            returnUrl: str(dl.deep_link_return_url)!,
            acceptTypes: strings(dl.accept_types),
            acceptMultiple: dl.accept_multiple === true,
            data: str(dl.data),
          }
        : null,
    returnUrl: str(obj(claims[CLAIM.launchPresentation])?.return_url),
  }
}
