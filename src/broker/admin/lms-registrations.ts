import type { LmsRegistration } from '../../config/types.js'

/** One registered LMS as the admin console shows it: how it launches and what, never a secret. */
export interface LmsRegistrationView {
  name: string
  /** LTI 1.3: the platform's issuer, the tool's client id there, and the accepted deployments. */
  lti13: { issuer: string; clientId: string; deploymentIds: string[] } | null
  /** LTI 1.1: the consumer key (its shared secret is never shown). */
  lti11Key: string | null
  /** gateway4labs basic HTTP: the LMS's username (its password is never shown). */
  basicHttpUser: string | null
  /** Each lab: the LMS's id for it and what it opens (a workshop, or `system/laboratory` remotely). */
  labs: { id: string; target: string; courses: number | null }[]
}

/**
 * The portal's LMS registrations (`spec.labgate.lms`), in order, for reading: the identifiers an
 * operator checks against the LMS's side, without the LTI 1.1 secret or the basic-HTTP password. Pure.
 */
export function lmsRegistrations(lms: readonly LmsRegistration[]): LmsRegistrationView[] {
  return lms.map((r) => ({
    name: r.name,
    lti13: r.lti13
      ? { issuer: r.lti13.issuer, clientId: r.lti13.clientId, deploymentIds: [...r.lti13.deploymentIds] }
      : null,
    lti11Key: r.lti11?.key ?? null,
    basicHttpUser: r.basicHttp?.username ?? null,
    labs: r.labs.map((l) => ({
      id: l.id,
      target: l.workshop ?? `${l.remote!.system}/${l.remote!.laboratory}`,
      courses: l.courses?.length ?? null,
    })),
  }))
}
