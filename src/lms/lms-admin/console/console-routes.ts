/**
 * The pages an LMS's own administrator uses in labgate (`/lms-admin/`, signed in from the LMS through
 * `../sign-in-routes.ts`): the overview of the LMS's labs, its courses (from its course service), each
 * lab's course grants, its teachers and their keys, its users' sessions and waiting launches, and its
 * audit trail. Everything read or changed is the signed-in administrator's LMS's only. The routes are thin:
 * they check the sign-in (and, for forms, the CSRF token) through `ConsoleKit`, call one use case of
 * `../course-grants.ts` or `../teacher-accounts.ts` (which audit), and present; each page's content is a
 * module of its own.
 */
import type { FastifyInstance } from 'fastify'
import type { Store } from '../../../store/store.js'
import { CourseDiscoveryError, discoverCourses } from '../../basic-http/course-discovery.js'
import { LMS_ADMIN, type LmsAdmin, type LmsAdminGate } from '../admin-gate.js'
import { grantCourse, labOf, revokeCourse } from '../course-grants.js'
import { createTeacher, createTeacherKey, revokeTeacherKey } from '../teacher-accounts.js'
import { AUDIT_PAGE, auditBody, readBefore } from './audit-page.js'
import { ConsoleKit, type ConsoleContext } from './console-kit.js'
import { AUDIT_PATH, COURSES_PATH, SESSIONS_PATH, TEACHERS_PATH, labPath } from './console-layout.js'
import {
  courseServiceOf,
  coursesBody,
  coursesStatus,
  readCourseSearch,
  type CourseListing,
} from './courses-page.js'
import { SHOWN_KEY_TITLE, shownKeyBody } from './key-page.js'
import { grantFormValues, labBody } from './lab-page.js'
import { lmsSessions } from './lms-sessions.js'
import { overviewBody } from './overview-page.js'
import { sessionsBody } from './sessions-page.js'
import { REVOKE_KEY_PATH, teachersBody } from './teachers-page.js'

/** What the console needs. */
export interface LmsAdminConsoleOptions {
  /** The sign-in check of `/lms-admin/` (shared with the sign-in routes). */
  gate: LmsAdminGate
  /**
   * The context of a signed-in administrator's actions: their LMS, their name as `by`, the LMS gateway
   * and audit stores, the clock, the server key, and the portal's URL (teachers' launch URLs, and whether
   * cookies are `Secure`).
   */
  context: (admin: LmsAdmin) => ConsoleContext
  /** The sessions, to list the LMS's users' ones. */
  store: Pick<Store, 'listSessions'>
  /** Asks an LMS's course service for its courses; `discoverCourses` unless given (tests stand one in). */
  fetchCourses?: typeof discoverCourses
}

/** Registers the console's pages and forms. */
export function lmsAdminConsoleRoutes(app: FastifyInstance, o: LmsAdminConsoleOptions): void {
  const kit = new ConsoleKit({ gate: o.gate, context: o.context })
  const fetchCourses = o.fetchCourses ?? discoverCourses

  // The sign-in cookie is sent for `/lms-admin/` only.
  app.get('/lms-admin', (_req, reply) => reply.redirect(LMS_ADMIN, 301))

  kit.page(app, LMS_ADMIN, async ({ c }) => ({
    title: 'Lab manager',
    body: overviewBody({ lms: c.lms, grants: await c.gateway.listCourseGrants(c.lms.name) }),
  }))

  kit.page(app, COURSES_PATH, async ({ c, query }) => {
    const search = readCourseSearch(query)
    const service = courseServiceOf(c.lms)
    let listing: CourseListing
    if (!service) listing = { none: true }
    else
      try {
        listing = { page: await fetchCourses(service, search) }
      } catch (e) {
        if (!(e instanceof CourseDiscoveryError)) throw e
        listing = { error: e.message }
      }
    const grants = await c.gateway.listCourseGrants(c.lms.name)
    return {
      title: 'Courses',
      status: coursesStatus(listing),
      body: coursesBody({ lms: c.lms, search, listing, grants }),
    }
  })

  kit.page(app, `${LMS_ADMIN}labs/:lab/`, async ({ c, params, query, csrf }) => {
    const lab = labOf(c, params.lab)
    const grants = await c.gateway.listCourseGrants(c.lms.name, lab.id)
    return {
      title: `Lab ${lab.id}`,
      body: labBody({ lms: c.lms, lab, grants, form: grantFormValues(grants, query), csrf }),
    }
  })
  kit.form(app, `${LMS_ADMIN}labs/:lab/grant`, async (c, f, p) => {
    const g = await grantCourse(c, { ...f, lab: p.lab })
    return { text: `Lab ${g.lab} is granted to course ${g.course}.`, back: labPath(g.lab) }
  })
  kit.form(app, `${LMS_ADMIN}labs/:lab/revoke`, async (c, f, p) => {
    const lab = labOf(c, p.lab).id
    await revokeCourse(c, lab, f.course ?? '')
    return { text: `Lab ${lab} is no longer granted to course ${f.course ?? ''}.`, back: labPath(lab) }
  })

  kit.page(app, TEACHERS_PATH, async ({ c, csrf }) => {
    const [teachers, keys] = await Promise.all([
      c.gateway.listTeachers(c.lms.name),
      c.gateway.listTeacherKeys(c.lms.name),
    ])
    return { title: 'Teachers', body: teachersBody({ lms: c.lms, teachers, keys, csrf }) }
  })
  kit.form(app, TEACHERS_PATH, async (c, f) => {
    const t = await createTeacher(c, { name: f.name, email: f.email })
    return { text: `Teacher ${t.name} is created: make them a key for a lab.`, back: TEACHERS_PATH }
  })
  kit.form(app, REVOKE_KEY_PATH, async (c, f) => {
    const k = await revokeTeacherKey(c, f.key ?? '')
    return { text: `Key ${k.key} (lab ${k.lab}) is revoked.`, back: TEACHERS_PATH }
  })
  // The secret is shown once, on the answer itself: never through a redirect or a cookie.
  kit.formPage(app, `${TEACHERS_PATH}:id/keys`, async (c, f, p) => ({
    title: SHOWN_KEY_TITLE,
    body: shownKeyBody(await createTeacherKey(c, p.id, f.lab)),
  }))

  kit.page(app, SESSIONS_PATH, async ({ c }) => ({
    title: 'Sessions',
    body: sessionsBody({
      lms: c.lms,
      ...(await lmsSessions({ store: o.store, gateway: c.gateway }, c.lms)),
    }),
  }))

  kit.page(app, AUDIT_PATH, async ({ c, query }) => {
    const before = readBefore(query)
    const found = await c.audit.list({
      lms: c.lms.name,
      newest: true,
      limit: AUDIT_PAGE + 1,
      ...(before !== null ? { beforeId: before } : {}),
    })
    const records = found.slice(0, AUDIT_PAGE)
    const older = found.length > AUDIT_PAGE ? records[records.length - 1]!.id : null
    return { title: 'Audit', body: auditBody({ lms: c.lms, records, before, older }) }
  })
}
