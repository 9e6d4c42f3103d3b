/**
 * A learner's launch from an LMS, whatever the protocol: checks the lab against the LMS's permissions for
 * the launch's courses, allocates (or re-attaches to) the learner's session of the lab's workshop, and
 * records the outcome in the audit trail. The caller verified the message (LTI 1.3, LTI 1.1) first.
 */
import { requestSession } from '../../broker/request-session.js'
import type { BrokerDeps } from '../../broker/deps.js'
import type { LmsRegistration } from '../../config/types.js'
import { LabgateError } from '../../domain/errors.js'
import { decideLmsLaunch } from '../../domain/lms-permissions.js'
import { resolveParameters } from '../../domain/parameters.js'
import type { AuditKind, AuditStore } from '../../store/audit-store.js'
import type { GradeStore, GradeTarget } from '../../store/grade-store.js'

/** Who launches what, from where, as the protocol gave it. */
export interface LabLaunch {
  lms: LmsRegistration
  kind: AuditKind
  /** The LMS's id of the user (LTI `sub` or `user_id`); labgate's user is `<lms>:<id>`. */
  lmsUserId: string
  labId: string | null
  contextIds: string[]
  person: { email?: string; givenName?: string; familyName?: string }
  /** Where the dashboard's "back" goes (the LMS's return URL), when it gave one. */
  returnUrl: string | null
  /** More for the audit record (resource link, roles, ...). */
  data: Record<string, unknown>
  /**
   * Where the LMS wants the grade when the learner finishes (LTI 1.1 outcome service, AGS line item),
   * when it wants one. Saved against the session on a successful launch (a re-launch replaces it).
   */
  gradeTarget?: GradeTarget
}

export type LaunchOutcome =
  | {
      ok: true
      session: string
      userId: string
      /** Where the browser goes: the session's activation URL (it signs the browser in). */
      location: string
      /**
       * The session was activated before (an earlier launch): its activation URL is used up, so the
       * caller signs the browser in itself and sends it to `dashboard` (see `enterSession`).
       */
      activated: boolean
      dashboard: string
      /** When the session ends (ms), or null. */
      expiresAt: number | null
    }
  | { ok: false; status: number; title: string; reason: string }

/** labgate's user id for a user of an LMS. */
export const lmsUserId = (lms: string, id: string) => `${lms}:${id}`

/**
 * Launches `l`; never throws for what the learner or LMS did wrong: a lab the LMS may not launch (403),
 * a lab of a remote system (not served yet, 501), a lab whose workshop is not running or has no room
 * (503) come back as refusals, audited as such. A launch's `gradeTarget` is saved in `deps.grades`
 * (which a protocol that passes grades back must give) before the learner is sent on.
 */
export async function launchLab(
  deps: BrokerDeps & { audit: AuditStore; portalUrl: string; grades?: GradeStore },
  l: LabLaunch,
): Promise<LaunchOutcome> {
  const userId = lmsUserId(l.lms.name, l.lmsUserId)
  const audit = (
    outcome: 'ok' | 'refused' | 'failed',
    reason: string | null,
    extra: Record<string, unknown> = {},
  ) =>
    deps.audit.append({
      at: deps.clock.now(),
      lms: l.lms.name,
      kind: l.kind,
      userId,
      course: l.contextIds[0] ?? null,
      lab: l.labId,
      outcome,
      reason,
      data: { ...l.data, ...extra },
    })
  const refuse = async (status: number, title: string, reason: string) => {
    await audit('refused', reason)
    return { ok: false as const, status, title, reason }
  }
  if (!l.labId) return refuse(400, 'No lab named', 'The link names no lab (custom parameter lab, or ?lab=).')
  const decision = decideLmsLaunch(l.lms, l.labId, l.contextIds)
  if (!decision.allowed) return refuse(403, 'Lab not available', decision.reason)
  const lab = l.lms.labs.find((x) => x.id === l.labId)!
  if (!('workshop' in lab))
    return refuse(
      501,
      'Lab not available',
      `Lab ${lab.id} is on a remote lab system, which this labgate cannot reach yet.`,
    )
  const envs = await deps.store.listEnvironments({ portal: deps.portal.name, states: ['RUNNING'] })
  const env = envs.find((e) => (e.settings.alias ?? e.settings.workshop.name) === lab.workshop)
  if (!env) return refuse(503, 'Lab not running', `The workshop of lab ${lab.id} is not running now.`)
  const indexUrl = l.returnUrl ?? `${deps.portalUrl}/`
  try {
    const r = await requestSession(deps, {
      environment: env.name,
      user: userId,
      details: {
        ...(l.person.email ? { email: l.person.email } : {}),
        ...(l.person.givenName ? { firstName: l.person.givenName } : {}),
        ...(l.person.familyName ? { lastName: l.person.familyName } : {}),
      },
      indexUrl,
      timeout: 0,
      params: resolveParameters(env.settings.workshop.requestParameters, [], deps.random),
    })
    const s = r.session
    if (l.gradeTarget && deps.grades)
      await deps.grades.saveTarget({
        session: s.name,
        lms: l.lms.name,
        userId,
        lmsUserId: l.lmsUserId,
        course: l.contextIds[0] ?? null,
        lab: l.labId,
        target: l.gradeTarget,
        at: deps.clock.now(),
      })
    await audit('ok', null, {
      session: s.name,
      timeAllowed: decision.timeAllowed,
      ...(l.gradeTarget ? { grade: l.gradeTarget.kind } : {}),
    })
    return {
      ok: true,
      session: s.name,
      userId,
      location: `/workshops/session/${s.name}/activate/?token=${r.token}&index_url=${encodeURIComponent(s.indexUrl ?? indexUrl)}`,
      activated: s.activatedAt !== null,
      dashboard: `/workshops/session/${s.name}/`,
      expiresAt: s.expiresAt,
    }
  } catch (e) {
    if (!(e instanceof LabgateError)) throw e
    if (e.code === 'unavailable')
      return refuse(503, 'No lab free', 'Every session of this lab is taken; try again in a minute.')
    return refuse(400, 'Launch refused', e.message)
  }
}
