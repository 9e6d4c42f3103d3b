/**
 * The Educates API's wire shapes as zod schemas: what the presenters return (typed by them, so a change
 * of shape fails type-checking) and what the OpenAPI document states. Datetimes are ISO 8601 with
 * milliseconds and `Z`; durations are seconds.
 */
import { z } from 'zod'
import { named } from '../../http/openapi/json-schema.js'

const time = z.string().datetime()
const SESSION_STATE = z.enum(['STARTING', 'WAITING', 'RUNNING', 'STOPPING', 'STOPPED'])
const ENVIRONMENT_STATE = z.enum(['STARTING', 'RUNNING', 'STOPPING', 'STOPPED'])

export const PortalWire = named(
  'EducatesPortal',
  z.object({
    name: z.string(),
    labels: z.record(z.string()),
    uid: z.string(),
    generation: z.number().int(),
    url: z.string(),
    sessions: z.object({
      maximum: z.number().int(),
      registered: z.number().int(),
      anonymous: z.number().int(),
      allocated: z.number().int(),
    }),
  }),
)

export const WorkshopWire = named(
  'EducatesWorkshop',
  z.object({
    name: z.string(),
    title: z.string(),
    description: z.string(),
    vendor: z.string(),
    authors: z.array(z.string()),
    difficulty: z.string(),
    duration: z.string().describe('`<seconds>s`, or empty when the workshop states none'),
    tags: z.array(z.string()),
    labels: z.record(z.string()),
    logo: z.string(),
    url: z.string(),
  }),
)

export const CatalogSessionWire = named(
  'EducatesCatalogSession',
  z.object({
    name: z.string(),
    state: SESSION_STATE,
    namespace: z.string(),
    user: z.string().nullable(),
    started: time.nullable(),
    expires: time.nullable(),
    countdown: z.number().int(),
    extendable: z.boolean(),
  }),
)

const environmentCounts = {
  name: z.string(),
  state: ENVIRONMENT_STATE,
  duration: z.number().int().describe('seconds a session lasts once activated'),
  capacity: z.number().int(),
  reserved: z.number().int(),
  allocated: z.number().int(),
  available: z.number().int(),
}

export const EnvironmentWire = named(
  'EducatesEnvironment',
  z.object({
    ...environmentCounts,
    workshop: WorkshopWire,
    sessions: z.array(CatalogSessionWire).optional().describe('with `sessions=true` only'),
  }),
)

export const EnvironmentsCatalogWire = z.object({
  portal: PortalWire,
  environments: z.array(EnvironmentWire),
})

export const WorkshopsCatalogWire = z.object({
  portal: PortalWire,
  workshops: z.array(WorkshopWire.extend({ environment: z.object(environmentCounts) })),
})

export const RequestedSessionWire = z.object({
  name: z.string(),
  session: z.string(),
  user: z.string(),
  url: z.string().describe('the activation URL, relative to the portal'),
  workshop: z.string(),
  environment: z.string(),
  namespace: z.string(),
})

export const ScheduleWire = named(
  'EducatesSchedule',
  z.object({
    status: SESSION_STATE,
    started: time.nullable(),
    expires: time.nullable(),
    expiring: z.boolean(),
    countdown: z.number().int(),
    extendable: z.boolean(),
  }),
)

export const ExtendedWire = ScheduleWire.extend({ extended: z.boolean() })

export const TerminatedWire = z.object({ started: time.nullable(), expires: time.nullable() })

export const SessionConfigWire = z.object({
  url: z.string().describe("the session's base URL, where `config/<type>?token=<password>` is served"),
  password: z.string(),
})

export const SessionAuthorizeWire = z.object({
  owner: z.string().nullable(),
  user: z.string(),
  staff: z.boolean(),
})

export const UserSessionWire = named(
  'EducatesUserSession',
  z.object({
    name: z.string(),
    namespace: z.string(),
    workshop: z.string(),
    environment: z.string(),
    started: time.nullable(),
    expires: time.nullable(),
    countdown: z.number().int(),
    extendable: z.boolean(),
  }),
)

export const UserSessionsWire = z.object({ user: z.string(), sessions: z.array(UserSessionWire) })

/** A path segment that is a name (environment, session, user); the route judges it (403 or 404). */
export const nameParam = z.string()
