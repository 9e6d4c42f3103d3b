/** The label every object labgate creates carries, and the value that marks it as labgate's. */
export const MANAGED_BY = 'app.kubernetes.io/managed-by'
export const MANAGER = 'labgate'
export const PORTAL_LABEL = 'labgate.dev/portal'
export const ENVIRONMENT_LABEL = 'labgate.dev/environment'
export const WORKSHOP_LABEL = 'labgate.dev/workshop'
export const SESSION_LABEL = 'labgate.dev/session'
/** The label of labgate's own Pods: the only Pods a session's NetworkPolicy lets in. */
export const LABGATE_POD_LABEL = 'app.kubernetes.io/name'

/** The label selector of every Pod labgate manages, or of one portal's when `portal` is given. */
export function managedSelector(portal?: string): string {
  return portal ? `${MANAGED_BY}=${MANAGER},${PORTAL_LABEL}=${portal}` : `${MANAGED_BY}=${MANAGER}`
}

/**
 * The labels of a session's objects. The portal and environment come from the session's name
 * (`<portal>-wNN-sNNN`); a name of another shape labels them empty.
 */
export function sessionLabels(session: string, workshop: string): Record<string, string> {
  const m = /^((.+)-w\d+)-s\d+$/.exec(session)
  return {
    [MANAGED_BY]: MANAGER,
    [PORTAL_LABEL]: m?.[2] ?? '',
    [ENVIRONMENT_LABEL]: m?.[1] ?? '',
    [WORKSHOP_LABEL]: labelValue(workshop),
    [SESSION_LABEL]: session,
  }
}

/** `value` made a valid label value: at most 63 characters of `[A-Za-z0-9._-]`, alphanumeric at both ends. */
export function labelValue(value: string): string {
  return value
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '')
}
