/**
 * The instructor's course page (NRPS 2.0). An instructor's resource-link launch whose platform offers the
 * roster reads it (`lti13/nrps.ts`, audited as `nrps.roster`), keeps the course context server-side
 * (`course-context.ts`), signs the instructor's browser in as `<lms>:<sub>` and sends it to
 * `GET /lti/1.3/course/<id>`: the members and each learner's session of the lab. Its forms extend or
 * terminate a learner's session (`POST …/extend`, `…/terminate`, CSRF-checked, authorized by
 * `mayManageCourseSession`) or open the lab for the instructor (`POST …/open`). Inside the LMS's iframe the
 * page is shown read-only with a link that opens it again in a window of its own, where labgate's cookies
 * work. A roster that cannot be read leaves the page with the error instead of the members.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { BrokerDeps } from '../../broker/deps.js'
import { mayManageCourseSession } from '../../broker/policies.js'
import { extendSession, terminateSession } from '../../broker/session-ops.js'
import { resolveApiUser } from '../../broker/users.js'
import { ENDED } from '../../domain/session-states.js'
import type { Authenticator } from '../../http/authenticator.js'
import { parseFormBody } from '../../http/body.js'
import { actorOf } from '../../http/context.js'
import { isSecure } from '../../http/cookies.js'
import { csrfOk, issueCsrfToken } from '../../http/csrf.js'
import { messagePage } from '../../http/message-page.js'
import { sessionSignInCookie } from '../../http/sign-in-cookie.js'
import type { AuditStore } from '../../store/audit-store.js'
import type { Session } from '../../store/rows.js'
import { enterSession } from '../launch/enter-session.js'
import { launchLab } from '../launch/launch-lab.js'
import { labLaunchOf, LTI13_LOGIN_PATH, type VerifiedLaunch } from '../lti13-routes.js'
import type { Lti13Lms } from '../lti13/find-platform.js'
import { carriedLogin } from '../lti13/launch-state.js'
import { readRoster, RosterError, type Member } from '../lti13/nrps.js'
import { NRPS_SCOPE } from '../lti13/tool-messages.js'
import { COURSE_TTL_MS, loadCourseContext, saveCourseContext, type CourseContext } from './course-context.js'
import { coursePage, type SessionView } from './course-page.js'
import type { LmsGatewayStore } from '../../store/lms-gateway-store.js'
import { waitUrl } from '../queue/wait-routes.js'

export const COURSE_PATH = '/lti/1.3/course'

export interface CourseRouteDeps {
  deps: BrokerDeps
  /** Course grants of LMS admins, and the queue of launches waiting for a full lab. */
  gateway: LmsGatewayStore
  audit: AuditStore
  auth: Authenticator
  /**
   * A service token of `lms` for `scopes` (client credentials with the tool's signed assertion): a cached
   * one unless `fresh`.
   */
  serviceToken: (lms: Lti13Lms, scopes: readonly string[], fresh: boolean) => Promise<string>
  portalUrl: () => string
  /** The platform's fetch (tests); the global one by default. */
  fetch?: typeof fetch
}

const NOTICES: Record<string, string> = {
  extended: 'The session was extended.',
  unchanged: 'The session was not extended: it is not near its end, or it may not last longer.',
  terminated: 'The session was terminated.',
}

/** Registers the course page's routes and returns the instructor-launch hook. */
export function setUpCoursePage(
  app: FastifyInstance,
  o: CourseRouteDeps,
): (v: VerifiedLaunch) => Promise<FastifyReply | null> {
  const { deps } = o
  const ctxOf = () => ({ deps, auth: o.auth, portalUrl: o.portalUrl(), bodyLimit: 0 })
  const secure = () => isSecure(o.portalUrl())

  /** The environments of the course's lab (none for a remote lab). */
  const labEnvironments = async (c: CourseContext): Promise<string[]> => {
    const lab = o.deps.portal.labgate.lms.find((l) => l.name === c.lms)?.labs.find((l) => l.id === c.lab)
    if (!lab || !('workshop' in lab) || lab.workshop === undefined) return []
    const envs = await deps.store.listEnvironments({ portal: deps.portal.name })
    return envs
      .filter((e) => (e.settings.alias ?? e.settings.workshop.name) === lab.workshop)
      .map((e) => e.name)
  }

  /** The learners' newest sessions of the course's lab, by the learner's platform id. */
  const sessionsOf = async (c: CourseContext): Promise<Map<string, SessionView>> => {
    const out = new Map<string, SessionView>()
    const names = await labEnvironments(c)
    const prefix = `${c.lms}:`
    const learners = new Set(c.learners)
    const newest = new Map<string, Session>()
    const sessions = await Promise.all(
      [...names].map((environment) => deps.store.listSessions({ environment })),
    )
    for (const s of sessions.flat()) {
      if (!s.owner || !learners.has(s.owner)) continue
      const seen = newest.get(s.owner)
      if (!seen || s.createdAt > seen.createdAt) newest.set(s.owner, s)
    }
    for (const [owner, s] of newest)
      out.set(owner.slice(prefix.length), {
        name: s.name,
        state: ENDED.includes(s.state) ? 'finished' : s.activatedAt === null ? 'started' : 'running',
        expiresAt: s.expiresAt,
      })
    return out
  }

  /** The course context `req` names, when the signed-in user may use it; else answers and gives null. */
  const authorized = async (req: FastifyRequest, reply: FastifyReply) => {
    const id = (req.params as { id: string }).id
    const c = await loadCourseContext(deps.store, id)
    const actor = await actorOf(ctxOf(), req)
    if (!c || !actor || actor.via !== 'cookie' || actor.userId !== c.instructor) {
      void messagePage(reply, 403, 'Not your course page', 'Open the course page again from your course.')
      return null
    }
    if (deps.clock.now() >= c.expiresAt) {
      void messagePage(reply, 403, 'Course page expired', 'Open the course page again from your course.')
      return null
    }
    return { id, c, actor }
  }

  /** The form of a course page action, CSRF-checked; null after answering. */
  const readForm = (req: FastifyRequest, reply: FastifyReply) => {
    const type = String(req.headers['content-type'] ?? '').toLowerCase()
    const form = type.startsWith('application/x-www-form-urlencoded')
      ? parseFormBody(typeof req.body === 'string' ? req.body : '')
      : null
    if (!form || !csrfOk(req, form, secure())) {
      void messagePage(
        reply,
        403,
        'Form expired',
        'This form has expired or was sent from another site. Reload the course page and try again.',
      )
      return null
    }
    return form
  }

  app.get(`${COURSE_PATH}/:id`, async (req, reply) => {
    const ok = await authorized(req, reply)
    if (!ok) return reply
    const done = (req.query as { done?: unknown }).done
    return coursePage(reply, {
      ctx: ok.c,
      base: `${COURSE_PATH}/${ok.id}`,
      sessions: await sessionsOf(ok.c),
      csrf: issueCsrfToken(req, reply, secure()),
      notice: typeof done === 'string' ? (NOTICES[done] ?? null) : null,
    })
  })

  for (const act of ['extend', 'terminate'] as const)
    app.post(`${COURSE_PATH}/:id/${act}`, async (req, reply) => {
      const ok = await authorized(req, reply)
      if (!ok) return reply
      const form = readForm(req, reply)
      if (!form) return reply
      const s = form.session ? await deps.store.getSession(form.session) : null
      const course = { ...ok.c, environments: await labEnvironments(ok.c) }
      if (
        !s ||
        s.portal !== deps.portal.name ||
        !mayManageCourseSession(ok.actor, course, s, deps.clock.now())
      )
        return messagePage(
          reply,
          403,
          'Not a session of your course',
          'This session is not one you may manage.',
        )
      let done: string
      if (act === 'extend') done = (await extendSession(deps, s)).extended ? 'extended' : 'unchanged'
      else {
        await terminateSession(deps, s)
        done = 'terminated'
      }
      return reply.redirect(`${COURSE_PATH}/${ok.id}?done=${done}`, 303)
    })

  app.post(`${COURSE_PATH}/:id/open`, async (req, reply) => {
    const ok = await authorized(req, reply)
    if (!ok) return reply
    if (!readForm(req, reply)) return reply
    const lms = deps.portal.labgate.lms.find((l): l is Lti13Lms => l.name === ok.c.lms && !!l.lti13)
    if (!lms)
      return messagePage(reply, 403, 'Not available', 'This LMS is no longer registered with labgate.')
    const outcome = await launchLab(
      { ...deps, audit: o.audit, gateway: o.gateway, portalUrl: o.portalUrl() },
      labLaunchOf(lms, ok.c.launch),
    )
    if (!outcome.ok && outcome.waiter) return reply.redirect(waitUrl(outcome.waiter), 303)
    if (!outcome.ok) return messagePage(reply, outcome.status, outcome.title, outcome.reason)
    return enterSession(reply, outcome, { auth: o.auth, portalUrl: o.portalUrl(), now: deps.clock.now() })
  })

  return async ({ req, reply, lms, launch, userId }) => {
    if (!launch.nrps) return null
    const now = deps.clock.now()
    const course = launch.context?.id ?? null
    const lab = labLaunchOf(lms, launch).labId
    let members: Member[] = []
    let rosterError: string | null = null
    try {
      members = await readRoster(launch.nrps.contextMembershipsUrl, {
        token: (fresh) => o.serviceToken(lms, [NRPS_SCOPE], fresh),
        ...(o.fetch ? { fetch: o.fetch } : {}),
      })
    } catch (e) {
      if (!(e instanceof RosterError)) throw e
      rosterError = e.message
    }
    await o.audit.append({
      at: now,
      lms: lms.name,
      kind: 'nrps.roster',
      userId,
      course,
      lab,
      outcome: rosterError ? 'failed' : 'ok',
      reason: rosterError,
      data: rosterError ? {} : { members: members.length },
    })
    const c: CourseContext = {
      lms: lms.name,
      course,
      courseTitle: launch.context?.title ?? launch.context?.label ?? null,
      instructor: userId,
      learners: members.filter((m) => m.role === 'learner').map((m) => `${lms.name}:${m.userId}`),
      expiresAt: now + COURSE_TTL_MS,
      lab,
      members,
      rosterError,
      launch,
    }
    const id = await saveCourseContext(deps.store, c)
    if (req.headers['sec-fetch-dest'] === 'iframe') {
      const state = new URLSearchParams(typeof req.body === 'string' ? req.body : '').get('state')
      const login = state ? carriedLogin(state) : null
      return coursePage(reply, {
        ctx: c,
        base: `${COURSE_PATH}/${id}`,
        sessions: await sessionsOf(c),
        csrf: null,
        notice: null,
        ...(login
          ? {
              openWindow: {
                href: `${LTI13_LOGIN_PATH}?${login}`,
                label: 'Manage sessions in a new window',
                newWindow: true,
              },
            }
          : {}),
      })
    }
    await resolveApiUser(deps, deps.store, userId, {
      ...(launch.email ? { email: launch.email } : {}),
      ...(launch.givenName ? { firstName: launch.givenName } : {}),
      ...(launch.familyName ? { lastName: launch.familyName } : {}),
    })
    const cookie = await sessionSignInCookie(o.auth, {
      userId,
      expiresAt: c.expiresAt,
      now,
      portalUrl: o.portalUrl(),
    })
    return reply
      .header('set-cookie', cookie)
      .header('cache-control', 'no-store')
      .redirect(`${COURSE_PATH}/${id}`, 303)
  }
}
