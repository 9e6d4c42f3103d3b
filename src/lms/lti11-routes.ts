/**
 * `POST /lti/1.1/launch`: an LTI 1.1 basic launch, signed by an LMS registered with `lti11 {key, secret}`.
 * The signature and the ±300 s timestamp window are verified (`src/lms/lti11/`), the nonce is recorded
 * once (a replay is refused), the lab comes from `custom_lab` or `?lab=`, and the learner is sent to their
 * session (`launchLab`), keeping its outcome service (`lis_outcome_service_url`, `lis_result_sourcedid`)
 * for the grade passback when it finishes. A launch may also be signed with a teacher's key (made by the
 * LMS's administrator, one per teacher and lab): it launches that lab, from any course, as the LMS's user,
 * and is audited under the teacher. Every launch, refused or not, is audited; a refusal is a page that
 * says why.
 */
import type { FastifyInstance } from 'fastify'
import type { BrokerDeps } from '../broker/deps.js'
import type { LmsRegistration } from '../config/types.js'
import type { Authenticator } from '../http/authenticator.js'
import { messagePage } from '../http/message-page.js'
import type { AuditStore } from '../store/audit-store.js'
import type { GradeStore } from '../store/grade-store.js'
import type { LmsGatewayStore } from '../store/lms-gateway-store.js'
import type { NonceStore } from '../store/nonce-store.js'
import { browserOf } from './launch/browser-of.js'
import { enterSession } from './launch/enter-session.js'
import { launchLab } from './launch/launch-lab.js'
import { verifyLaunch } from './lti11/index.js'
import { waitUrl } from './queue/wait-routes.js'
import { secretOf } from './teachers/teacher-secret.js'

export interface Lti11RouteDeps {
  deps: BrokerDeps
  audit: AuditStore
  nonces: NonceStore
  /** Where a launch's outcome service is kept for the grade passback on finishing. */
  grades: GradeStore
  /** The portal's public URL (scheme, host, port), the base of the URL launches are signed for. */
  portalUrl: () => string
  /** Signs browsers in to sessions activated before. */
  auth: Authenticator
  /** Whether `X-Forwarded-Proto` comes from a proxy labgate trusts. */
  trustProxy: boolean
  /** Teachers' keys (and the queue of launches waiting for a full lab). */
  gateway: LmsGatewayStore
  /** The server key: teachers' secrets are derived from it. */
  key: Uint8Array
}

/** The LMS registered with LTI 1.1 consumer `key`, if any. */
export const lmsByConsumerKey = (lms: readonly LmsRegistration[], key: string) =>
  lms.find((l) => l.lti11?.key === key)

/** Registers the launch route. */
export function lti11Routes(app: FastifyInstance, o: Lti11RouteDeps): void {
  const registrations = () => o.deps.portal.labgate.lms
  app.post('/lti/1.1/launch', async (req, reply) => {
    const page = (status: number, title: string, text: string) => messagePage(reply, status, title, text)
    const type = String(req.headers['content-type'] ?? '').toLowerCase()
    if (!type.startsWith('application/x-www-form-urlencoded'))
      return page(415, 'Not a launch', 'An LTI launch is a form posted by the LMS.')
    const form = [...new URLSearchParams(typeof req.body === 'string' ? req.body : '')]
    const claimedKey = form.find(([k]) => k === 'oauth_consumer_key')?.[1] ?? null
    const registered = claimedKey ? lmsByConsumerKey(registrations(), claimedKey) : undefined
    // A key no LMS is registered with may be a teacher's: its LMS is the one its administrator is of.
    const teacherKey = claimedKey && !registered ? await o.gateway.getTeacherKey(claimedKey) : null
    const teacher = teacherKey ? await o.gateway.getTeacher(teacherKey.lms, teacherKey.teacher) : null
    const lms =
      registered ?? (teacherKey ? registrations().find((l) => l.name === teacherKey.lms) : undefined)
    const usable = teacherKey && teacher && lms && teacherKey.revokedAt === null ? teacherKey : null
    const verdict = verifyLaunch(
      {
        method: req.method,
        url: o.portalUrl() + req.url,
        form,
        forwardedProto: req.headers['x-forwarded-proto'] as string | undefined,
        trustProxy: o.trustProxy,
      },
      {
        secretFor: (key) =>
          lmsByConsumerKey(registrations(), key)?.lti11?.secret ??
          (usable && key === usable.key ? (secretOf(o.key, usable) ?? undefined) : undefined),
        clock: o.deps.clock,
      },
    )
    const refused = async (reason: string, detail: string, status = 401) => {
      await o.audit.append({
        at: o.deps.clock.now(),
        lms: lms?.name ?? null,
        kind: 'lti11.launch',
        userId: null,
        course: null,
        lab: teacherKey?.lab ?? null,
        outcome: 'refused',
        reason: `${reason}: ${detail}`,
        data: teacherKey
          ? { teacher: teacherKey.teacher, teacherKey: teacherKey.key }
          : claimedKey && !lms
            ? { consumerKey: claimedKey }
            : {},
      })
      return status === 401
        ? page(401, 'Launch refused', `The LMS's launch could not be verified (${detail}).`)
        : page(status, 'Launch refused', detail)
    }
    if (teacherKey && teacherKey.revokedAt !== null)
      return refused('revoked_key', 'this teacher key was revoked by the LMS administrator')
    if (teacherKey && !usable)
      return refused('unknown_key', 'this teacher key belongs to no registered LMS or teacher')
    if (!verdict.ok) return refused(verdict.reason, verdict.detail)
    const { launch, replay } = verdict
    if (!(await o.nonces.useOnce(`lti11:${replay.consumerKey}`, replay.nonce, replay.expiresAt)))
      return refused('replayed', 'this launch was used already')
    const asked = launch.lab ?? new URL(req.url, 'http://x').searchParams.get('lab')
    if (usable && asked !== null && asked !== usable.lab)
      return refused(
        'wrong_lab',
        `This teacher key is for lab ${usable.lab}, not ${asked}: ask the LMS administrator for a key of that lab.`,
        403,
      )
    const lab = usable ? usable.lab : asked
    const outcome = await launchLab(
      { ...o.deps, audit: o.audit, grades: o.grades, gateway: o.gateway, portalUrl: o.portalUrl() },
      {
        lms: lms!,
        kind: 'lti11.launch',
        lmsUserId: launch.userId,
        labId: lab,
        contextIds: launch.context ? [launch.context.id] : [],
        person: {
          ...(launch.person.email ? { email: launch.person.email } : {}),
          ...(launch.person.givenName ? { givenName: launch.person.givenName } : {}),
          ...(launch.person.familyName ? { familyName: launch.person.familyName } : {}),
        },
        returnUrl: launch.returnUrl ?? null,
        data: {
          resourceLink: launch.resourceLinkId,
          role: launch.role,
          roles: launch.roles,
          ...(usable && teacher
            ? { teacher: teacher.id, teacherName: teacher.name, teacherKey: usable.key }
            : {}),
        },
        ...(usable && teacher ? { teacher: { id: teacher.id, name: teacher.name, key: usable.key } } : {}),
        browser: browserOf(req),
        ...(launch.outcome
          ? {
              gradeTarget: {
                kind: 'lti11' as const,
                serviceUrl: launch.outcome.serviceUrl,
                sourcedId: launch.outcome.sourcedId,
              },
            }
          : {}),
      },
    )
    if (!outcome.ok && outcome.waiter) return reply.redirect(waitUrl(outcome.waiter), 303)
    if (!outcome.ok) return page(outcome.status, outcome.title, outcome.reason)
    return enterSession(reply, outcome, { auth: o.auth, portalUrl: o.portalUrl(), now: o.deps.clock.now() })
  })
}
