/**
 * The workspaces API's answers as zod schemas: the envelope, workspaces, jobs and shares as the
 * presenters return them (typed by these, so a change of shape fails type-checking). What the API
 * accepts is in `request-schemas.ts`.
 */
import { z } from 'zod'
import { JOB_STATUSES, WORKSPACE_STATUSES } from '../../domain/workspaces.js'
import { named } from '../../http/openapi/json-schema.js'

const time = z.string().datetime()

const details = z.object({
  files: z.array(z.object({ name: z.string() })),
  symlinks: z.array(z.object({ name: z.string(), source_path: z.string() })),
})

export const WorkspaceDetailsWire = z.object({
  request_workspace_details: details,
  current_workspace_details: details,
})

export const WorkspaceWire = named(
  'Workspace',
  z.object({
    id: z.number().int(),
    name: z.string(),
    description: z.string(),
    disk_space: z.number(),
    datetime_created: time.nullable(),
    datetime_last_modified: time.nullable(),
    datetime_last_job_launch: time.nullable(),
    workspace_details: WorkspaceDetailsWire,
    status: z.enum(WORKSPACE_STATUSES),
    default_job_type: z.string().nullable(),
  }),
)

export const JobWire = named(
  'Job',
  z.object({
    id: z.number().int(),
    workspace_id: z.number().int(),
    resource_job_id: z.number().int().describe('-1 until its sandbox started'),
    job_type: z.string(),
    status: z.enum(JOB_STATUSES),
    datetime_created: time.nullable(),
    datetime_start: time.nullable(),
    datetime_end: time.nullable(),
    core_hours: z.string().describe('a Decimal(10,5) as a string'),
    job_details: z.object({
      metrics: z.record(z.unknown()),
      request_job_details: z.record(z.unknown()),
      current_job_details: z.record(z.unknown()),
    }),
  }),
)

const shareSide = z
  .object({
    id: z.number().int(),
    name: z.string(),
    description: z.string(),
    workspace_details: WorkspaceDetailsWire,
    user_id: z
      .object({ username: z.string(), first_name: z.string(), last_name: z.string(), email: z.string() })
      .nullable(),
  })
  .nullable()

export const ShareWire = named(
  'WorkspaceShare',
  z.object({
    original_workspace_id: shareSide,
    shared_workspace_id: shareSide,
    last_resource_options: z.record(z.unknown()),
    last_job_type: z.string().nullable(),
    is_accepted: z.boolean(),
    datetime_share_created: time,
  }),
)

/** A success: `{message, success: true, data?}`. */
export function envelope<D extends z.ZodRawShape>(data?: D) {
  const base = z.object({ message: z.string(), success: z.literal(true) })
  return data ? base.extend({ data: z.object(data) }) : base
}

/** Every error: `{success: false, message}`. */
export const UwsErrorWire = named(
  'WorkspacesError',
  z.object({ success: z.literal(false), message: z.string() }),
)
