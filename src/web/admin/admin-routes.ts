/**
 * The admin console at `/admin/` (staff signed in at the portal): its pages, forms, static files and
 * live event stream. Each page's content is its own module; the routes only parse, authorize (through
 * `AdminKit.staff`), call a use case of `src/broker/admin/` and present.
 */
import { Readable } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AdminDeps } from '../../broker/admin/admin-deps.js'
import { environmentOverview } from '../../broker/admin/environment-overview.js'
import { extendAsStaff, terminateAsStaff } from '../../broker/admin/session-actions.js'
import { parseSessionSearch, searchSessions } from '../../broker/admin/session-search.js'
import { SessionFeed } from '../../broker/admin/session-feed.js'
import {
  disableClientAsStaff,
  parseNewClient,
  registerClientAsStaff,
  rotateClientAsStaff,
  type ClientRegistry,
} from '../../broker/admin/oauth-clients.js'
import { lmsRegistrations } from '../../broker/admin/lms-registrations.js'
import { auditCsv } from '../../broker/admin/audit-csv.js'
import { parseAuditSearch, searchAudit } from '../../broker/admin/audit-search.js'
import {
  parseOnOff,
  searchUsersAsStaff,
  setStaffFlag,
  setUserDisabled,
} from '../../broker/admin/user-admin.js'
import {
  parseJobId,
  parseWorkspacesPaging,
  stopJobAsStaff,
  workspacesOverview,
} from '../../broker/admin/workspace-admin.js'
import type { JobDeps } from '../../broker/workspaces/jobs/deps.js'
import type { Actor } from '../../broker/actor.js'
import { LabgateError, notFound } from '../../domain/errors.js'
import { forgetUser, type ApiContext } from '../../http/context.js'
import { STATUS } from '../../http/errors.js'
import { AdminKit } from './admin-kit.js'
import { CLIENTS_PATH, clientsBody, secretBody } from './clients-page.js'
import { LMS_PATH, lmsBody } from './lms-page.js'
import { AUDIT_CSV_PATH, AUDIT_PATH, auditBody } from './audit-page.js'
import { environmentsBody } from './environments-page.js'
import { ADMIN, adminPage, sendAdminPage, type Section } from './layout.js'
import { liveEventsRoute } from './live-events.js'
import { SESSIONS_PATH, sessionsBody } from './sessions-page.js'
import { loadAdminFiles } from './static-files.js'
import { USERS_PATH, usersBody } from './users-page.js'
import { WORKSPACES_PATH, workspacesBody } from './workspaces-page.js'

export interface AdminRouteOptions {
  ctx: ApiContext
  audit: AdminDeps['audit']
  auth: AdminDeps['auth']
  grants: AdminDeps['grants']
  /** The OAuth client registry (`src/oauth/clients.ts`, wired by the entry point). */
  clients: ClientRegistry
  /** The workspaces' job dependencies when the portal enables workspaces; null (or absent): it does not. */
  jobs?: () => JobDeps | null
}

/** A page's content and title, or a refusal (a typed error below 500) shown as an error page. */
type Render = (
  req: FastifyRequest,
  reply: FastifyReply,
  staff: Actor,
) => Promise<{ title: string; body: string }>

/** Registers the console's routes. */
export function adminRoutes(app: FastifyInstance, o: AdminRouteOptions): void {
  const a = { broker: o.ctx.deps, audit: o.audit, auth: o.auth, grants: o.grants, clients: o.clients }
  const kit = new AdminKit(o.ctx)
  const files = loadAdminFiles()
  const jobsOrNull = () => o.jobs?.() ?? null
  const jobs = () => {
    const d = jobsOrNull()
    if (!d) throw notFound('This portal does not enable workspaces.')
    return d
  }

  const page = (path: string, section: Section, render: Render, modules: string[] = ['live.js']) =>
    app.get(path, async (req, reply) => {
      const staff = await kit.staff(req, reply)
      if (!staff) return reply
      let content: { title: string; body: string }
      try {
        content = await render(req, reply, staff)
      } catch (e) {
        if (!(e instanceof LabgateError) || STATUS[e.code] >= 500) throw e
        return kit.error(reply, STATUS[e.code], 'Not shown', e.message)
      }
      const flash = kit.takeFlash(req, reply)
      const user = await a.broker.store.getUser(staff.userId)
      return sendAdminPage(
        reply,
        200,
        adminPage({
          portalName: a.broker.portal.name,
          section,
          staffName: user?.username ?? staff.userId,
          flash,
          modules,
          workspaces: jobsOrNull() !== null,
          ...content,
        }),
      )
    })

  app.get('/admin', (_req, reply) => reply.redirect(ADMIN, 301))
  app.get(ADMIN, async (req, reply) => {
    const staff = await kit.staff(req, reply)
    return staff ? reply.header('cache-control', 'no-store').redirect('/admin/environments/', 302) : reply
  })
  app.get('/admin/static/:file', async (req, reply) => {
    const f = files.get((req.params as { file: string }).file)
    if (!f) return reply.status(404).type('text/plain; charset=utf-8').send('Not found')
    return reply
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .type(f.type)
      .send(f.body)
  })
  liveEventsRoute(app, kit, new SessionFeed(a.broker))

  page('/admin/environments/', 'environments', async () => ({
    title: 'Environments',
    body: environmentsBody(await environmentOverview(a.broker)),
  }))

  page(SESSIONS_PATH, 'sessions', async (req, reply) => {
    const search = parseSessionSearch(req.query as Record<string, unknown>)
    const [result, environments] = await Promise.all([
      searchSessions(a.broker, search),
      environmentOverview(a.broker),
    ])
    return {
      title: 'Sessions',
      body: sessionsBody({ search, page: result, environments, csrf: kit.csrf(req, reply), self: req.url }),
    }
  })
  const backToList = (f: Record<string, string>) => f.back || SESSIONS_PATH
  kit.form(
    app,
    `${SESSIONS_PATH}:name/extend`,
    (staff, _f, p) => extendAsStaff(a, staff.userId, p.name!),
    backToList,
  )
  kit.form(
    app,
    `${SESSIONS_PATH}:name/terminate`,
    (staff, _f, p) => terminateAsStaff(a, staff.userId, p.name!),
    backToList,
  )

  page(USERS_PATH, 'users', async (req, reply, staff) => {
    const q = (req.query as { q?: unknown }).q
    const query = typeof q === 'string' ? q : ''
    const users = await searchUsersAsStaff(a, query)
    return {
      title: 'Users',
      body: usersBody({ query, users, csrf: kit.csrf(req, reply), self: req.url, staffId: staff.userId }),
    }
  })
  const backToUsers = (f: Record<string, string>) => f.back || USERS_PATH
  kit.form(
    app,
    `${USERS_PATH}:id/staff`,
    async (staff, f, p) => {
      const text = await setStaffFlag(a, staff.userId, p.id!, parseOnOff(f.value, 'value'))
      forgetUser(o.ctx, p.id!)
      return text
    },
    backToUsers,
  )
  kit.form(
    app,
    `${USERS_PATH}:id/disable`,
    async (staff, f, p) => {
      const text = await setUserDisabled(a, staff.userId, p.id!, parseOnOff(f.value, 'value'))
      forgetUser(o.ctx, p.id!)
      return text
    },
    backToUsers,
  )

  page(AUDIT_PATH, 'audit', async (req) => {
    const search = parseAuditSearch(req.query as Record<string, unknown>)
    return { title: 'Audit', body: auditBody({ search, ...(await searchAudit(a, search)) }) }
  })
  app.get(AUDIT_CSV_PATH, async (req, reply) => {
    const staff = await kit.staff(req, reply)
    if (!staff) return reply
    let search
    try {
      search = parseAuditSearch(req.query as Record<string, unknown>)
    } catch (e) {
      if (!(e instanceof LabgateError) || STATUS[e.code] >= 500) throw e
      return kit.error(reply, STATUS[e.code], 'Not exported', e.message)
    }
    return reply
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .header('content-disposition', 'attachment; filename="labgate-audit.csv"')
      .type('text/csv; charset=utf-8')
      .send(Readable.from(auditCsv(a, search)))
  })

  page(LMS_PATH, 'lms', async () => ({
    title: 'LMS registrations',
    body: lmsBody(lmsRegistrations(a.broker.portal.labgate.lms)),
  }))

  page(CLIENTS_PATH, 'clients', async (req, reply) => ({
    title: 'OAuth clients',
    body: clientsBody(await a.clients.list(), kit.csrf(req, reply)),
  }))
  kit.formPage(app, CLIENTS_PATH, 'clients', async (staff, f) => {
    const made = await registerClientAsStaff(a, staff.userId, parseNewClient(f))
    return { title: 'Client registered', body: secretBody(made.clientId, made.clientSecret) }
  })
  kit.formPage(app, `${CLIENTS_PATH}:id/rotate`, 'clients', async (staff, _f, p) => ({
    title: 'New client secret',
    body: secretBody(p.id!, await rotateClientAsStaff(a, staff.userId, p.id!)),
  }))
  kit.form(
    app,
    `${CLIENTS_PATH}:id/disable`,
    (staff, _f, p) => disableClientAsStaff(a, staff.userId, p.id!),
    () => CLIENTS_PATH,
  )

  page(WORKSPACES_PATH, 'workspaces', async (req, reply) => {
    const d = jobs()
    return {
      title: 'Workspaces',
      body: workspacesBody(
        await workspacesOverview(
          d,
          a.broker.store,
          parseWorkspacesPaging(req.query as Record<string, unknown>),
        ),
        kit.csrf(req, reply),
        d.clock.now(),
      ),
    }
  })
  kit.form(
    app,
    `${WORKSPACES_PATH}jobs/:id/stop`,
    (staff, _f, p) => stopJobAsStaff(a, jobs(), staff.userId, parseJobId(p.id)),
    () => WORKSPACES_PATH,
  )
}
