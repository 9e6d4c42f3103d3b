/**
 * The LTI 1.1 basic launch message: which parameters make a launch, and the typed launch read from them.
 * Pure; the parameters are the already verified ones.
 */
import { valuesOf, type ParamPairs } from './params.js'
import { refuse, type Refused } from './refusal.js'
import { launchRole, splitRoles, type LaunchRole } from './roles.js'

/** The `lti_message_type` of a basic launch. */
export const BASIC_LAUNCH = 'basic-lti-launch-request'
/** The `lti_version` LTI 1.0 and 1.1 launches carry. */
export const LTI_VERSION = 'LTI-1p0'

/** Where the LMS wants the grade: the outcome service and the result's sourced id. */
export interface OutcomeTarget {
  serviceUrl: string
  sourcedId: string
}

/** A verified LTI 1.1 launch. Absent optional parameters are undefined, never empty strings. */
export interface Lti11Launch {
  consumerKey: string
  /** `user_id`, the LMS's stable id of the user. */
  userId: string
  role: LaunchRole
  /** The `roles` as sent. */
  roles: string[]
  resourceLinkId: string
  context?: { id: string; title?: string | undefined } | undefined
  person: {
    fullName?: string | undefined
    givenName?: string | undefined
    familyName?: string | undefined
    email?: string | undefined
  }
  /** `custom_lab`: the lab the link names, if it names one. */
  lab?: string | undefined
  /** Present when the LMS asked for a grade (both the service URL, http(s), and the sourced id are given). */
  outcome?: OutcomeTarget | undefined
  /** `launch_presentation_return_url`, when it is an http(s) URL. */
  returnUrl?: string | undefined
  /** `tool_consumer_info_product_family_code` (e.g. `moodle`, `canvas`). */
  productFamily?: string | undefined
}

/** The parameters read into a launch; each must appear at most once. */
const FIELDS = [
  'lti_message_type',
  'lti_version',
  'resource_link_id',
  'user_id',
  'roles',
  'context_id',
  'context_title',
  'lis_person_name_full',
  'lis_person_name_given',
  'lis_person_name_family',
  'lis_person_contact_email_primary',
  'custom_lab',
  'lis_outcome_service_url',
  'lis_result_sourcedid',
  'launch_presentation_return_url',
  'tool_consumer_info_product_family_code',
]

const httpUrl = (v: string | undefined): string | undefined => {
  if (v === undefined) return undefined
  try {
    const p = new URL(v).protocol
    return p === 'http:' || p === 'https:' ? v : undefined
  } catch {
    return undefined
  }
}

/**
 * The launch in `params` (signed by `consumerKey`), or why it is none: `not_a_launch` (another message
 * type), `bad_version` (not LTI-1p0), `missing_param` (no `resource_link_id` or `user_id`: labgate keys
 * users by it, so anonymous launches are refused), `duplicate_param` (a field sent twice). Never throws.
 */
export function readLaunch(
  consumerKey: string,
  params: ParamPairs,
): { ok: true; launch: Lti11Launch } | Refused {
  for (const name of FIELDS) {
    if (valuesOf(params, name).length > 1) return refuse('duplicate_param', `${name} appears more than once`)
  }
  const get = (name: string): string | undefined => {
    const v = valuesOf(params, name)[0]?.trim()
    return v === '' ? undefined : v
  }
  const type = get('lti_message_type')
  if (type !== BASIC_LAUNCH) return refuse('not_a_launch', `lti_message_type is ${type ?? 'missing'}`)
  const version = get('lti_version')
  if (version !== LTI_VERSION) return refuse('bad_version', `lti_version is ${version ?? 'missing'}`)
  const resourceLinkId = get('resource_link_id')
  if (resourceLinkId === undefined) return refuse('missing_param', 'resource_link_id is missing')
  const userId = get('user_id')
  if (userId === undefined) return refuse('missing_param', 'user_id is missing')

  const roles = splitRoles(get('roles'))
  const contextId = get('context_id')
  const serviceUrl = httpUrl(get('lis_outcome_service_url'))
  const sourcedId = get('lis_result_sourcedid')
  return {
    ok: true,
    launch: {
      consumerKey,
      userId,
      role: launchRole(roles),
      roles,
      resourceLinkId,
      context: contextId === undefined ? undefined : { id: contextId, title: get('context_title') },
      person: {
        fullName: get('lis_person_name_full'),
        givenName: get('lis_person_name_given'),
        familyName: get('lis_person_name_family'),
        email: get('lis_person_contact_email_primary'),
      },
      lab: get('custom_lab'),
      outcome: serviceUrl !== undefined && sourcedId !== undefined ? { serviceUrl, sourcedId } : undefined,
      returnUrl: httpUrl(get('launch_presentation_return_url')),
      productFamily: get('tool_consumer_info_product_family_code'),
    },
  }
}
