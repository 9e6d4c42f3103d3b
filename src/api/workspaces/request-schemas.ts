/**
 * What the workspaces API accepts: the path parameters, queries and bodies of its routes as zod schemas,
 * with the original's 400 messages. `uwsRoute` parses each route's input with the schemas its `doc`
 * declares, so the OpenAPI document states exactly what is checked. A body failing several checks is
 * answered as the original answered it: fields in the order below, a missing required field where the
 * original looked for it (`jsonObject`'s `required`), every list entry's type before any entry's fields.
 */
import { z } from 'zod'
import { notFound } from '../../domain/errors.js'
import {
  always,
  jsonObject,
  listOfObjects,
  mustBe,
  pathText,
  positiveId,
  queryValue,
  text,
} from './request-kit.js'

export const MISSING_FIELDS = 'Missing required fields.'
/** The original's answer to a PUT of a type it does not know, word for word. */
export const INVALID_PUT_TYPE = 'Invalid PUT type passed.'
const MAX_ENTRIES = 10_000

const putType = <T extends [string, ...string[]]>(...types: T) => z.enum(types, always(INVALID_PUT_TYPE))

/** `/…/<id>/`. */
export const IdParams = z.object({ id: positiveId() })
/** `/workspaces/<id>/<put_type>/`: the type is checked first. */
export const WorkspacePutParams = z.object({ put_type: putType('start', 'upload'), id: positiveId() })
/** `/jobs/<id>/<put_type>/`: the type is checked first. */
export const JobPutParams = z.object({ put_type: putType('stop'), id: positiveId() })
/** `/shared_workspaces/<id>/<put_type>/`: the id is checked first. */
export const SharePutParams = z.object({ id: positiveId(), put_type: putType('accept') })

export const WorkspaceQuery = z.object({
  name: queryValue(),
  description: queryValue(),
  status: queryValue().describe('a workspace status; another value matches nothing'),
})

export const JobQuery = z.object({
  workspace_id: queryValue(),
  job_type: queryValue(),
  status: queryValue().describe('a job status; another value matches nothing'),
})

/** `is_accepted` values, as Django's BooleanField reads them (lower case too). */
const BOOLEANS: Record<string, boolean> = {
  t: true,
  True: true,
  true: true,
  1: true,
  f: false,
  False: false,
  false: false,
  0: false,
}

export const ShareQuery = z.object({
  is_accepted: queryValue()
    .transform((v) => (v === undefined ? undefined : (BOOLEANS[v] ?? null)))
    .describe('`true`/`false` (Django spellings); another value matches nothing'),
})

export const UserQuery = z.object({
  search: queryValue()
    .transform((v) => v ?? '')
    .describe('part of a name, username or email'),
})

const list = <T extends z.ZodTypeAny>(item: T) =>
  listOfObjects(z.array(item, mustBe('a list')), MAX_ENTRIES)
    .nullable()
    .optional()

const fileSpec = z.object(
  { name: z.string(mustBe('a string')), content: z.string(mustBe('a string')).optional() },
  mustBe('an object'),
)

const needsTarget = (item: string) =>
  `${item} needs source_path (or path): the absolute path under a data root it points to.`

const symlinkSpec = z
  .object(
    {
      name: z.string(mustBe('a string')),
      source_path: z
        .string({
          errorMap: (issue) => ({ message: needsTarget(pathText(issue.path.slice(0, -1))) }),
        })
        .nullable()
        .optional()
        .describe('an absolute path under a data root'),
      path: z
        .unknown()
        .describe('`source_path` under its older name: a string, read when `source_path` is absent'),
    },
    mustBe('an object'),
  )
  .transform((l, ctx) => {
    const target = l.source_path ?? l.path
    if (typeof target === 'string') return { name: l.name, source_path: target }
    ctx.addIssue({ code: 'custom', message: needsTarget(pathText(ctx.path)) })
    return z.NEVER
  })

/** `workspace_details` of a create or update: both lists optional, absent or null meaning none. */
const workspaceDetails = z
  .object({ files: list(fileSpec), symlinks: list(symlinkSpec) }, mustBe('an object'))
  .nullable()
  .optional()
  .transform((d) => ({ files: d?.files ?? [], symlinks: d?.symlinks ?? [] }))

/**
 * `POST /workspaces/`: `name` and `description` required ("Missing required fields.", once both are
 * known not to be of another type).
 */
export const CreateWorkspaceBody = jsonObject(
  {
    name: text(MISSING_FIELDS),
    description: text(MISSING_FIELDS),
    default_job_type: text().optional(),
    workspace_details: workspaceDetails,
  },
  {
    fields: ['name', 'description'],
    message: MISSING_FIELDS,
    after: z.object({ name: text().optional(), description: text().optional() }),
  },
)

/** `PUT /workspaces/<id>/`: any of the fields; the files and symlinks are added. */
export const UpdateWorkspaceBody = jsonObject({
  name: text().optional(),
  description: text().optional(),
  default_job_type: text().optional(),
  workspace_details: workspaceDetails,
})

/** `PUT /workspaces/<id>/start/`: `resource_options` is checked by the use case (422). */
export const StartJobBody = jsonObject({
  job_type: text().nullable().optional().describe('null or absent: the default job type'),
  job_details: z.record(z.unknown(), mustBe('an object')).optional(),
  resource_options: z.unknown(),
})

/**
 * `PUT /workspaces/<id>/upload/`: multipart, streamed by its handler (`multipart.ts`), never parsed
 * with this schema, which states the shape that reader accepts.
 */
export const UploadForm = z
  .record(z.string().describe('a file; its filename (a relative path) is where it goes in the workspace'))
  .describe('file parts under any field names, each saved under its filename; other fields are ignored')

const MAX_RECIPIENTS = 1000
const INVALID_USER = 'Invalid user id provided.'

/** A user id as `GET /users/` gives it (a string), or an integer; as a string. */
const userId = z
  .union(
    [z.string().min(1, INVALID_USER).max(128, INVALID_USER), z.number().int(INVALID_USER).safe(INVALID_USER)],
    always(INVALID_USER),
  )
  .transform(String)

/**
 * `original_workspace_id`: an integer or its digits, as a number. Anything else names no workspace of
 * the caller: `not_found` "Workspace <value> not found for user." (404, as for someone else's), thrown
 * at once so that it comes before any check of the user ids, as in the original.
 */
const workspaceRef = z
  .custom<unknown>((v) => v !== undefined, MISSING_FIELDS)
  .transform((v): number => {
    const id = typeof v === 'string' && /^[1-9][0-9]{0,15}$/.test(v) ? Number(v) : v
    if (typeof id === 'number' && Number.isSafeInteger(id) && id > 0) return id
    throw notFound(`Workspace ${String(v)} not found for user.`)
  })
  .describe('a workspace id: an integer or its digits')

/** `POST /shared_workspaces/`: both fields required, checked before either's value. */
export const ShareBody = jsonObject(
  {
    original_workspace_id: workspaceRef,
    shared_user_ids: z
      .array(userId, {
        errorMap: (issue, ctx) =>
          issue.code === 'invalid_type'
            ? { message: issue.received === 'undefined' ? MISSING_FIELDS : 'shared_user_ids is not a list.' }
            : { message: ctx.defaultError },
      })
      .max(MAX_RECIPIENTS, `shared_user_ids has too many entries (at most ${MAX_RECIPIENTS}).`),
  },
  { fields: ['original_workspace_id', 'shared_user_ids'], message: MISSING_FIELDS },
)

const NO_CREDENTIALS = 'Missing client_token or user_info.'
const BAD_USER_INFO = 'user_info needs a username (and an email), both strings.'

/** `POST /tokens/`: an API client's access token and the user it acts for. */
export const TokenBody = jsonObject({
  client_token: z.string(always(NO_CREDENTIALS)),
  user_info: z
    .object(
      {
        username: z.string(always(BAD_USER_INFO)),
        email: z.string(always(BAD_USER_INFO)).optional(),
      },
      always(NO_CREDENTIALS),
    )
    .passthrough(),
})
