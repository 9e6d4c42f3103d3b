/**
 * A learner's launch from an LMS, whatever the protocol: checks the lab against the LMS's permissions for
 * the launch's courses, allocates (or re-attaches to) the learner's session of the lab's workshop, and
 * records the outcome in the audit trail. The caller verified the message (LTI 1.3, LTI 1.1) first.
 */
import { randomBytes } from 'node:crypto'
import { activateSession } from '../../broker/activate-session.js'
import { NoSessionAvailable, requestSession } from '../../broker/request-session.js'
import type { BrokerDeps } from '../../broker/deps.js'
import type { RemoteLabRef } from '../../config/types.js'
import { LabgateError } from '../../domain/errors.js'
import { decideLmsLaunch, decideTeacherLaunch } from '../../domain/lms-permissions.js'
import { resolveParameters } from '../../domain/parameters.js'
import { isRemoteLabHandle } from '../../domain/remote-lab-handle.js'
import type { AuditStore } from '../../store/audit-store.js'
import type { GradeStore } from '../../store/grade-store.js'
import type { LmsGatewayStore } from '../../store/lms-gateway-store.js'
import type { Session } from '../../store/rows.js'
import type { LabLaunch, LaunchOutcome } from './lab-launch.js'
import { LEFT_AFTER_MS, mayTry, recordWait } from '../queue/launch-queue.js'
import { launchToJson } from '../queue/waiting-launch.js'

export type { LabLaunch, LaunchOutcome } from './lab-launch.js'

/** The reason a launch of a user staff disabled is refused with (and audited under). */
export const USER_DISABLED = 'user disabled'
/** What a user staff disabled is told when a launch is refused. */
export const DISABLED_TEXT = "Your account on this lab portal is disabled: ask the lab's staff."

/** labgate's user id for a user of an LMS. */
export const lmsUserId = (lms: string, id: string) => `${lms}:${id}`

/**
 * Launches `l`; never throws for what the learner or LMS did wrong: a user staff disabled (403,
 * {@link DISABLED_TEXT}, audited {@link USER_DISABLED}, nothing changed), a lab the LMS may not launch (403),
 * a lab whose workshop is not running or has no room (503) come back as refusals, audited as such. A lab
 * of a remote lab system is a session of the workshop labgate made for it, on the `remote` backend: the
 * launch waits for its reservation, starts the session (the LMS vouched for the learner) and sends the
 * learner straight to the system's `load_url`; the system's failure is a 502 naming it, audited `failed`. A launch's
 * `gradeTarget` is saved in `deps.grades` (which a protocol that passes grades back must give) before
 * the learner is sent on.
 */
export async function launchLab(
  deps: BrokerDeps & {
    audit: AuditStore
    portalUrl: string
    grades?: GradeStore
    gateway: LmsGatewayStore
  },
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
  // A user staff disabled gets in by no route: refused before anything is looked up or changed.
  if ((await deps.store.getUser(userId))?.disabled) {
    await audit('refused', USER_DISABLED)
    return { ok: false, status: 403, title: 'Account disabled', reason: DISABLED_TEXT }
  }
  if (!l.labId) return refuse(400, 'No lab named', 'The link names no lab (custom parameter lab, or ?lab=).')
  const at = { now: deps.clock.now(), timeZone: l.lms.timeZone }
  const granted = (await deps.gateway.listCourseGrants(l.lms.name, l.labId)).map((g) => ({
    contextId: g.course,
    ...g.settings,
  }))
  const labGrant = l.lms.labs.find((x) => x.id === l.labId)
  const decision =
    l.teacher && labGrant
      ? decideTeacherLaunch(labGrant, at)
      : decideLmsLaunch(l.lms, l.labId, l.contextIds, at, granted)
  if (!decision.allowed) {
    const title = decision.code === 'closed' ? 'Lab closed now' : 'Lab not available'
    return { ...(await refuse(403, title, decision.reason)), code: decision.code }
  }
  const lab = l.lms.labs.find((x) => x.id === l.labId)!
  const envs = await deps.store.listEnvironments({ portal: deps.portal.name, states: ['RUNNING'] })
  const env = envs.find((e) =>
    'workshop' in lab
      ? (e.settings.alias ?? e.settings.workshop.name) === lab.workshop
      : e.settings.workshop.remote?.system === lab.remote.system &&
        e.settings.workshop.remote.laboratory === lab.remote.laboratory,
  )
  if (!env) return refuse(503, 'Lab not running', `The workshop of lab ${lab.id} is not running now.`)
  const indexUrl = l.returnUrl ?? `${deps.portalUrl}/`
  /** The launch waits for a place: as the waiter it is, or as a new one (the learner's one if waiting). */
  const wait = async (): Promise<LaunchOutcome> => {
    const title = 'Waiting for a free lab'
    const reason = 'Every place in this lab is taken: the launch waits in the queue.'
    if (l.waiter) return { ok: false, status: 202, title, reason, waiter: l.waiter }
    const now = deps.clock.now()
    const found = await deps.gateway.findWaiter(env.name, userId)
    // The learner's wait goes on where it is; one they left (see LEFT_AFTER_MS) starts again at the back.
    const held =
      found && found.seenAt < now - LEFT_AFTER_MS
        ? void (await deps.gateway.settleWaiter(found.id, { state: 'gone' }, now))
        : found
    const w =
      (held && (await deps.gateway.touchWaiter(held.id, now))) ??
      (await deps.gateway.enqueueWaiter({
        id: randomBytes(18).toString('base64url'),
        lms: l.lms.name,
        lab: lab.id,
        environment: env.name,
        userId,
        priority: decision.priority,
        launch: launchToJson(l),
        at: now,
      }))
    if (w.id !== held?.id) await recordWait(deps, w, 'ok', null, { step: 'queued' })
    await audit('ok', null, { waiter: w.id, queued: true, priority: decision.priority })
    return { ok: false, status: 202, title, reason, waiter: w.id }
  }
  // A learner back to the session they hold needs no place; anyone else takes their turn.
  const holding = await deps.store.findHoldingSession(userId, env.name)
  if (
    !holding &&
    !(await mayTry(deps, {
      environment: env.name,
      priority: decision.priority,
      ...(l.waiter ? { waiter: l.waiter } : {}),
    }))
  )
    return wait()
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
      timeAllowed: decision.timeAllowed,
      params: resolveParameters(env.settings.workshop.requestParameters, [], deps.random),
    })
    let s = r.session
    let loadUrl: string | null = null
    if (env.settings.workshop.remote) {
      const reserved = await awaitReservation(
        deps,
        s,
        env.settings.workshop.remote,
        (outcome, reason, data) =>
          deps.audit.append({
            at: deps.clock.now(),
            lms: l.lms.name,
            kind: 'remote.reserve',
            userId,
            course: l.contextIds[0] ?? null,
            lab: l.labId,
            outcome,
            reason,
            data,
          }),
      )
      if (!reserved.ok) {
        await audit('failed', reserved.reason, {
          session: s.name,
          system: env.settings.workshop.remote.system,
        })
        return { ok: false, status: 502, title: 'Lab system failed', reason: reserved.reason }
      }
      // The LMS vouched for the learner: the session starts now, and the learner goes straight to the lab
      // system's page (which an LMS may show in a frame, where labgate's own sign-in would not be seen).
      s = (await activateSession(deps, s.name, r.token, userId)).session
      loadUrl = reserved.loadUrl
    }
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
      ...(l.browser ? { browser: l.browser } : {}),
      timeAllowed: decision.timeAllowed,
      priority: decision.priority,
      ...(l.gradeTarget ? { grade: l.gradeTarget.kind } : {}),
    })
    if (loadUrl)
      return {
        ok: true,
        session: s.name,
        userId,
        location: loadUrl,
        remote: true,
        activated: false,
        dashboard: loadUrl,
        expiresAt: s.expiresAt,
      }
    return {
      ok: true,
      session: s.name,
      userId,
      location: `/workshops/session/${s.name}/activate/?token=${r.token}&index_url=${encodeURIComponent(s.indexUrl ?? indexUrl)}`,
      remote: false,
      activated: s.activatedAt !== null,
      dashboard: `/workshops/session/${s.name}/`,
      expiresAt: s.expiresAt,
    }
  } catch (e) {
    if (!(e instanceof LabgateError)) throw e
    if (e instanceof NoSessionAvailable) return wait()
    return refuse(400, 'Launch refused', e.message)
  }
}

/**
 * Waits for the reservation of a remote lab's session `s` (its start), auditing a reservation made now
 * (`remote.reserve`, ok with its id, or failed with the system's error). A session reserved before (a
 * launch again) is returned as it is.
 */
async function awaitReservation(
  deps: BrokerDeps,
  s: Session,
  remote: RemoteLabRef,
  record: (
    outcome: 'ok' | 'failed',
    reason: string | null,
    data: Record<string, unknown>,
  ) => Promise<unknown>,
): Promise<{ ok: true; session: Session; loadUrl: string } | { ok: false; reason: string }> {
  const starting = s.state === 'STARTING' || deps.runner.isStarting(s.name)
  await deps.runner.whenSettled(s.name)
  const now = await deps.store.getSession(s.name)
  const where = { system: remote.system, laboratory: remote.laboratory, session: s.name }
  if (!now || now.state !== 'RUNNING' || !isRemoteLabHandle(now.handle)) {
    const reason =
      deps.runner.startFailure(s.name) ??
      `remote lab system ${remote.system} gave no reservation (the session is ${now?.state ?? 'gone'})`
    await record('failed', reason, where)
    return { ok: false, reason }
  }
  if (starting) await record('ok', null, { ...where, reservation: now.handle.reservationId })
  return { ok: true, session: now, loadUrl: now.handle.loadUrl }
}
