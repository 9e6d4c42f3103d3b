/**
 * LTI 1.1 `roles` (comma-separated LIS context roles, short as `Instructor` or as URNs such as
 * `urn:lti:role:ims/lis/Instructor`, sub-roles after a slash) mapped to labgate's two: instructor or
 * learner. Least privilege: only teaching roles of the context make an instructor; institution and system
 * roles (`urn:lti:instrole:`, `urn:lti:sysrole:`) and anything unknown give learner.
 */

/** labgate's roles of a launched user. */
export type LaunchRole = 'learner' | 'instructor'

const CONTEXT_URN = 'urn:lti:role:ims/lis/'
const TEACHING = new Set(['instructor', 'teachingassistant', 'contentdeveloper', 'administrator'])

/** The individual roles of a `roles` parameter, trimmed, empty ones left out. */
export function splitRoles(roles: string | undefined): string[] {
  return (roles ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r !== '')
}

/** `instructor` when any of `roles` is a teaching role of the context, else `learner`. */
export function launchRole(roles: readonly string[]): LaunchRole {
  for (const role of roles) {
    let name: string
    if (role.toLowerCase().startsWith(CONTEXT_URN)) name = role.slice(CONTEXT_URN.length)
    else if (role.includes(':'))
      continue // another vocabulary (institution, system): never instructor here
    else name = role
    const main = name.split('/')[0]?.toLowerCase() ?? ''
    if (TEACHING.has(main)) return 'instructor'
  }
  return 'learner'
}
