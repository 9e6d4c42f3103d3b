/**
 * The admin API's wire: the zod schemas its routes parse their inputs with and its answers are typed
 * by, and the presenters from the use cases' results to those answers.
 */
import { z } from 'zod'
import type { EnvironmentRow } from '../../broker/admin/environment-overview.js'
import { parseAuditSearch } from '../../broker/admin/audit-search.js'
import type { LmsRegistrationView } from '../../broker/admin/lms-registrations.js'
import { parseSessionSearch, type SessionPage } from '../../broker/admin/session-search.js'
import { parseNewClient, type ClientView } from '../../broker/admin/oauth-clients.js'
import { SESSION_STATES } from '../../domain/session-states.js'
import { asIssue } from '../../http/validate.js'
import { lastValue } from '../../http/query.js'
import { named } from '../../http/openapi/json-schema.js'
import type { AuditRecord } from '../../store/audit-store.js'
import type { User } from '../../store/rows.js'

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

/** Every refusal: a message that says what to fix. */
export const AdminApiError = named('AdminApiError', z.object({ error: z.string() }))

/** A change's answer: what was done, in words. */
export const AdminApiDone = named('AdminApiDone', z.object({ message: z.string() }))

export const EnvironmentWire = named(
  'AdminEnvironment',
  z.object({
    name: z.string(),
    workshop: z.string(),
    title: z.string(),
    state: z.string(),
    capacity: z.number().int().describe('max sessions at once; 0 = unlimited'),
    reserved: z.number().int(),
    allocated: z.number().int(),
    unallocated: z.number().int(),
    available: z.number().int().nullable().describe('null when capacity is unlimited'),
  }),
)

export const presentEnvironment = (e: EnvironmentRow): z.infer<typeof EnvironmentWire> => ({ ...e })

export const SessionWire = named(
  'AdminSession',
  z.object({
    name: z.string(),
    environment: z.string(),
    workshop: z.string(),
    state: z.enum(SESSION_STATES as unknown as [string, ...string[]]),
    owner: z.string().nullable().describe("the owner's user id; null for a reserve"),
    ownerName: z.string().nullable().describe("the owner's username, else name, else id"),
    reserved: z.boolean(),
    created: z.string(),
    started: z.string().nullable(),
    expires: z.string().nullable(),
    stopReason: z.string().nullable(),
  }),
)

export const SessionPageWire = z.object({
  sessions: z.array(SessionWire),
  total: z.number().int(),
  page: z.number().int(),
  pages: z.number().int(),
})

export function presentSessionPage(p: SessionPage): z.infer<typeof SessionPageWire> {
  return {
    sessions: p.sessions.map((s) => ({
      name: s.name,
      environment: s.environment,
      workshop: s.workshop,
      state: s.state,
      owner: s.owner,
      ownerName: s.owner === null ? null : (p.owners.get(s.owner) ?? s.owner),
      reserved: s.reserved,
      created: iso(s.createdAt)!,
      started: iso(s.startedAt),
      expires: iso(s.expiresAt),
      stopReason: s.stopReason,
    })),
    total: p.total,
    page: p.page,
    pages: p.pages,
  }
}

/** The session list's filters, read and checked by the console's own parser. */
export const sessionsQuery = z
  .object({
    state: lastValue.describe(`live (default), all or one of ${SESSION_STATES.join(', ')}`),
    environment: lastValue.describe('an environment name'),
    workshop: lastValue.describe('a workshop name'),
    user: lastValue.describe("the owner's username or user id"),
    page: lastValue.describe('1-based page of 25'),
  })
  .transform(asIssue(parseSessionSearch))

export const UserWire = named(
  'AdminUser',
  z.object({
    id: z.string(),
    username: z.string().nullable(),
    kind: z.string(),
    email: z.string().nullable(),
    firstName: z.string().nullable(),
    lastName: z.string().nullable(),
    disabled: z.boolean(),
    created: z.string(),
  }),
)

export const presentUser = (u: User): z.infer<typeof UserWire> => ({
  id: u.id,
  username: u.username,
  kind: u.kind,
  email: u.email,
  firstName: u.firstName,
  lastName: u.lastName,
  disabled: u.disabled,
  created: iso(u.createdAt)!,
})

export const usersQuery = z.object({
  q: lastValue
    .transform((v) => v ?? '')
    .describe('part of a name, username or email; empty: everyone (at most 50 users)'),
})

/** The body of the on/off user actions. */
export const flagBody = z.object(
  {
    value: z.boolean({
      required_error: 'The body needs value: true or false',
      invalid_type_error: 'value must be true or false',
    }),
  },
  {
    required_error: 'Send a JSON body such as {"value": true}',
    invalid_type_error: 'Send a JSON body such as {"value": true}',
  },
)

export const AuditWire = named(
  'AdminAuditRecord',
  z.object({
    id: z.number().int(),
    at: z.string(),
    lms: z.string().nullable(),
    kind: z.string(),
    userId: z.string().nullable(),
    course: z.string().nullable(),
    lab: z.string().nullable(),
    outcome: z.enum(['ok', 'refused', 'failed']),
    reason: z.string().nullable(),
    data: z.record(z.unknown()),
  }),
)

export const AuditPageWire = z.object({
  records: z.array(AuditWire),
  older: z.number().int().nullable().describe('the `before` of the next page; null on the last'),
})

export const presentAudit = (r: AuditRecord): z.infer<typeof AuditWire> => ({ ...r, at: iso(r.at)! })

/** The audit trail's filters, read and checked by the console's own parser. */
export const auditQuery = z
  .object({
    lms: lastValue.describe('an LMS name'),
    user: lastValue.describe('a user id'),
    course: lastValue.describe('a course id'),
    outcome: lastValue.describe('ok, refused or failed'),
    kind: lastValue.describe('a record kind'),
    before: lastValue.describe('a record id: the page of records older than it'),
  })
  .transform(asIssue(parseAuditSearch))

export const LmsWire = named(
  'AdminLmsRegistration',
  z.object({
    name: z.string(),
    lti13: z
      .object({ issuer: z.string(), clientId: z.string(), deploymentIds: z.array(z.string()) })
      .nullable()
      .describe('null when the LMS does not launch with LTI 1.3'),
    lti11Key: z.string().nullable().describe('the LTI 1.1 consumer key (never its secret)'),
    basicHttpUser: z.string().nullable().describe('the basic-HTTP username (never its password)'),
    labs: z.array(
      z.object({
        id: z.string().describe("the LMS's id for the lab"),
        target: z.string().describe('a workshop, or `system/laboratory` of a remote lab'),
        courses: z.number().int().nullable().describe('how many courses it is limited to; null: any'),
      }),
    ),
  }),
)

/** The use case's view is already without secrets (`lmsRegistrations`). */
export const presentLms = (r: LmsRegistrationView): z.infer<typeof LmsWire> => ({ ...r })

export const ClientWire = named(
  'AdminOAuthClient',
  z.object({
    clientId: z.string(),
    name: z.string(),
    confidential: z.boolean(),
    redirectUris: z.array(z.string()),
    grantTypes: z.array(z.string()),
    scopes: z.array(z.string()),
    disabled: z.boolean(),
    created: z.string(),
  }),
)

/** Only the declared fields: the registry's rows carry more than the API states. */
export const presentClient = (c: ClientView): z.infer<typeof ClientWire> => ({
  clientId: c.clientId,
  name: c.name,
  confidential: c.confidential,
  redirectUris: c.redirectUris,
  grantTypes: c.grantTypes,
  scopes: c.scopes,
  disabled: c.disabled,
  created: iso(c.createdAt)!,
})

const words = z.array(z.string(), { invalid_type_error: 'must be a list of strings' })

/** A new client, checked by the console's own rules (`parseNewClient`). */
export const newClientBody = z
  .object(
    {
      name: z.string({ required_error: 'Give the client a name (at most 200 characters).' }),
      type: z.enum(['confidential', 'public'], {
        errorMap: () => ({ message: 'type must be confidential or public' }),
      }),
      redirectUris: words.optional(),
      grantTypes: z.array(z.string(), {
        required_error: 'grantTypes must list at least one grant type',
        invalid_type_error: 'grantTypes must list at least one grant type',
      }),
      scopes: words.optional().describe('default: openid profile email'),
    },
    {
      required_error: 'Send a JSON body such as {"name": "…", "type": "confidential", "grantTypes": [...]}',
      invalid_type_error:
        'Send a JSON body such as {"name": "…", "type": "confidential", "grantTypes": [...]}',
    },
  )
  .transform(
    asIssue((b) =>
      parseNewClient({
        name: b.name,
        type: b.type,
        redirect_uris: (b.redirectUris ?? []).join(' '),
        scopes: (b.scopes ?? []).join(' '),
        ...Object.fromEntries(b.grantTypes.map((g) => [`grant_${g}`, 'on'])),
      }),
    ),
  )

export const NewClientWire = z.object({
  clientId: z.string(),
  clientSecret: z.string().nullable().describe('shown once; null for a public client'),
})
