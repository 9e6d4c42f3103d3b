/**
 * The admin API under `/admin/api/`: the admin console's use cases (`src/broker/admin/`) as JSON, for
 * staff's scripts. Each route parses with its declared schemas, calls one use case (which audits staff
 * actions) and presents the result (`wire.ts`).
 */
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { AdminDeps } from '../../broker/admin/admin-deps.js'
import { AUDIT_CSV_COLUMNS, AUDIT_CSV_MAX, auditCsv } from '../../broker/admin/audit-csv.js'
import { searchAudit } from '../../broker/admin/audit-search.js'
import { lmsRegistrations } from '../../broker/admin/lms-registrations.js'
import { environmentOverview } from '../../broker/admin/environment-overview.js'
import { extendAsStaff, terminateAsStaff } from '../../broker/admin/session-actions.js'
import { searchSessions } from '../../broker/admin/session-search.js'
import { searchUsersAsStaff, setStaffFlag, setUserDisabled } from '../../broker/admin/user-admin.js'
import {
  disableClientAsStaff,
  registerClientAsStaff,
  rotateClientAsStaff,
  type ClientRegistry,
} from '../../broker/admin/oauth-clients.js'
import { parseJsonBody } from '../../http/body.js'
import { forgetUser, type ApiContext } from '../../http/context.js'
import { JSON_TYPE } from '../../http/openapi/operation.js'
import { parseWith } from '../../http/validate.js'
import { AdminApiFile, adminApiRoute, answer } from './admin-api-route.js'
import {
  AdminApiDone,
  AdminApiError,
  auditQuery,
  AuditPageWire,
  ClientWire,
  newClientBody,
  NewClientWire,
  presentClient,
  EnvironmentWire,
  flagBody,
  LmsWire,
  presentLms,
  presentAudit,
  presentEnvironment,
  presentSessionPage,
  presentUser,
  SessionPageWire,
  sessionsQuery,
  UserWire,
  usersQuery,
} from './wire.js'

export interface AdminApiOptions {
  ctx: ApiContext
  audit: AdminDeps['audit']
  auth: AdminDeps['auth']
  grants: AdminDeps['grants']
  /** The OAuth client registry (`src/oauth/clients.ts`, wired by the entry point). */
  clients: ClientRegistry
  /** Where unexpected errors' details go. */
  log: (msg: string) => void
}

const CSV_TYPE = 'text/csv'
const notFound = (description: string) => answer(description, AdminApiError)
const sessionParams = z.object({ name: z.string().min(1, 'name must be a session name') })
const clientParams = z.object({ id: z.string().min(1, 'id must be a client id') })
const jsonOf = (body: unknown) => parseJsonBody(typeof body === 'string' ? body : '')
const userParams = z.object({ id: z.string().min(1, 'id must be a user id') })

/** Registers the admin API's operations. */
export function adminApiRoutes(app: FastifyInstance, o: AdminApiOptions): void {
  const a = { broker: o.ctx.deps, audit: o.audit, auth: o.auth, grants: o.grants, clients: o.clients }
  const route = (spec: Parameters<typeof adminApiRoute>[3]) => adminApiRoute(app, o.ctx, o.log, spec)

  route({
    doc: {
      method: 'GET',
      path: '/admin/api/environments',
      summary: "The portal's environments with their capacity and live session counts",
      responses: { 200: answer('The environments, stopped ones last', z.array(EnvironmentWire)) },
    },
    handler: async () => (await environmentOverview(a.broker)).map(presentEnvironment),
  })

  route({
    doc: {
      method: 'GET',
      path: '/admin/api/sessions',
      summary: 'Search the sessions, newest first, 25 a page',
      query: sessionsQuery,
      responses: { 200: answer('One page of matching sessions', SessionPageWire) },
    },
    handler: async (req) =>
      presentSessionPage(await searchSessions(a.broker, parseWith(sessionsQuery, req.query))),
  })

  for (const [action, act, summary] of [
    ['extend', extendAsStaff, "Extend a running session by its workshop's step (audited)"],
    ['terminate', terminateAsStaff, 'Terminate a session (audited)'],
  ] as const) {
    route({
      doc: {
        method: 'POST',
        path: `/admin/api/sessions/{name}/${action}`,
        summary,
        params: sessionParams,
        responses: {
          200: answer('Done', AdminApiDone),
          404: notFound('No such session on this portal'),
        },
      },
      handler: async (req, staff) => {
        const { name } = parseWith(sessionParams, req.params)
        return { message: await act(a, staff.userId, name) }
      },
    })
  }

  route({
    doc: {
      method: 'GET',
      path: '/admin/api/users',
      summary: 'Search users (robots left out), at most 50',
      query: usersQuery,
      responses: { 200: answer('The matching users', z.array(UserWire)) },
    },
    handler: async (req) =>
      (await searchUsersAsStaff(a, parseWith(usersQuery, req.query).q)).map(presentUser),
  })

  for (const [action, set, summary] of [
    ['staff', setStaffFlag, "Set (true) or clear a user's staff flag (audited)"],
    ['disable', setUserDisabled, 'Disable (true) or enable a user; disabling ends their sign-ins (audited)'],
  ] as const) {
    route({
      doc: {
        method: 'POST',
        path: `/admin/api/users/{id}/${action}`,
        summary,
        params: userParams,
        body: { schema: flagBody, types: [JSON_TYPE], required: true },
        responses: {
          200: answer('Done', AdminApiDone),
          404: notFound('No such user'),
        },
      },
      handler: async (req, staff) => {
        const { id } = parseWith(userParams, req.params)
        const { value } = parseWith(flagBody, jsonOf(req.body))
        const message = await set(a, staff.userId, id, value)
        forgetUser(o.ctx, id)
        return { message }
      },
    })
  }

  route({
    doc: {
      method: 'GET',
      path: '/admin/api/audit',
      summary: 'The audit trail, newest first, 50 a page',
      query: auditQuery,
      responses: { 200: answer('One page of matching records', AuditPageWire) },
    },
    handler: async (req) => {
      const { records, older } = await searchAudit(a, parseWith(auditQuery, req.query))
      return { records: records.map(presentAudit), older }
    },
  })

  route({
    doc: {
      method: 'GET',
      path: '/admin/api/audit.csv',
      summary: `The audit trail's matching records as CSV, newest first, at most ${AUDIT_CSV_MAX.toLocaleString('en-US')}`,
      description:
        'The filters of `GET /admin/api/audit`; `before` starts the export below a record. Columns: ' +
        `${AUDIT_CSV_COLUMNS.join(', ')}. Cells a spreadsheet would run as a formula start with \`'\`.`,
      query: auditQuery,
      responses: {
        200: {
          description: 'The records as an attachment (RFC 4180, CRLF line ends, a header line first)',
          content: { [CSV_TYPE]: z.string() },
          headers: { 'Content-Disposition': '`attachment; filename="labgate-audit.csv"`' },
        },
      },
    },
    handler: async (req) => {
      const csv = auditCsv(a, parseWith(auditQuery, req.query))
      return new AdminApiFile(`${CSV_TYPE}; charset=utf-8`, 'labgate-audit.csv', csv)
    },
  })

  route({
    doc: {
      method: 'GET',
      path: '/admin/api/lms',
      summary: "The portal's LMS registrations, in order (read-only, never their secrets)",
      responses: { 200: answer('The registrations', z.array(LmsWire)) },
    },
    handler: async () => lmsRegistrations(a.broker.portal.labgate.lms).map(presentLms),
  })

  route({
    doc: {
      method: 'GET',
      path: '/admin/api/clients',
      summary: 'The registered OAuth clients (never their secrets)',
      responses: { 200: answer('The clients', z.array(ClientWire)) },
    },
    handler: async () => (await a.clients.list()).map(presentClient),
  })

  route({
    doc: {
      method: 'POST',
      path: '/admin/api/clients',
      summary: 'Register an OAuth client (audited); a confidential one gets a secret, shown once',
      body: { schema: newClientBody, types: [JSON_TYPE], required: true },
      responses: { 200: answer('The new client', NewClientWire) },
    },
    handler: async (req, staff) =>
      registerClientAsStaff(a, staff.userId, parseWith(newClientBody, jsonOf(req.body))),
  })

  route({
    doc: {
      method: 'POST',
      path: '/admin/api/clients/{id}/rotate',
      summary: "Rotate a client's secret (audited); the new one is shown once",
      params: clientParams,
      responses: {
        200: answer('The new secret', z.object({ clientId: z.string(), clientSecret: z.string() })),
        404: notFound('No such client'),
      },
    },
    handler: async (req, staff) => {
      const { id } = parseWith(clientParams, req.params)
      return { clientId: id, clientSecret: await rotateClientAsStaff(a, staff.userId, id) }
    },
  })

  route({
    doc: {
      method: 'POST',
      path: '/admin/api/clients/{id}/disable',
      summary: 'Disable a client: its tokens stop working (audited)',
      params: clientParams,
      responses: { 200: answer('Done', AdminApiDone), 404: notFound('No such client') },
    },
    handler: async (req, staff) => {
      const { id } = parseWith(clientParams, req.params)
      return { message: await disableClientAsStaff(a, staff.userId, id) }
    },
  })
}
