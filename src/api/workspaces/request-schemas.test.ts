import { describe, expect, it } from 'vitest'
import type { z } from 'zod'
import { SchemaRenderer } from '../../http/openapi/json-schema.js'
import { parseWith } from '../../http/validate.js'
import {
  CreateWorkspaceBody,
  IdParams,
  JobPutParams,
  JobQuery,
  SharePutParams,
  ShareBody,
  ShareQuery,
  StartJobBody,
  TokenBody,
  UpdateWorkspaceBody,
  UserQuery,
  WorkspacePutParams,
} from './request-schemas.js'

/** The 400 message `parseWith` answers `value` with (what the route answers), or undefined if accepted. */
function refusal(schema: z.ZodTypeAny, value: unknown): string | undefined {
  try {
    parseWith(schema, value)
    return undefined
  } catch (e) {
    expect(e).toMatchObject({ code: 'bad_request' })
    return (e as Error).message
  }
}

const json = (v: unknown) => JSON.stringify(v)
const ws = (extra: Record<string, unknown>) => json({ name: 'n', description: 'd', ...extra })

describe('a JSON body', () => {
  it('is read from the text of any content type, an empty one being {}', () => {
    expect(parseWith(UpdateWorkspaceBody, '')).toEqual({ workspace_details: { files: [], symlinks: [] } })
    expect(parseWith(UpdateWorkspaceBody, undefined)).toMatchObject({ workspace_details: { files: [] } })
    expect(parseWith(UpdateWorkspaceBody, json({ name: 'x' }))).toMatchObject({ name: 'x' })
  })

  it('refuses what is not JSON, or not an object, with the original messages', () => {
    expect(refusal(CreateWorkspaceBody, '{not json')).toBe(
      'JSON parse error: the request body is not valid JSON.',
    )
    for (const v of ['[]', 'null', '5', '"x"'])
      expect(refusal(UpdateWorkspaceBody, v)).toBe('The request body must be a JSON object.')
  })
})

describe('a workspace create or update', () => {
  it('accepts files and symlinks, `path` standing for `source_path`', () => {
    const body = parseWith(
      CreateWorkspaceBody,
      ws({
        default_job_type: 'jupyter',
        unknown: 1,
        workspace_details: {
          files: [{ name: 'a.txt', content: 'x' }, { name: 'b.txt' }],
          symlinks: [
            { name: 'd', source_path: '/data/d' },
            { name: 'e', path: '/data/e' },
            { name: 'f', source_path: null, path: '/data/f' },
          ],
        },
      }),
    )
    expect(body).toEqual({
      name: 'n',
      description: 'd',
      default_job_type: 'jupyter',
      workspace_details: {
        files: [{ name: 'a.txt', content: 'x' }, { name: 'b.txt' }],
        symlinks: [
          { name: 'd', source_path: '/data/d' },
          { name: 'e', source_path: '/data/e' },
          { name: 'f', source_path: '/data/f' },
        ],
      },
    })
    expect(parseWith(CreateWorkspaceBody, ws({ workspace_details: null })).workspace_details).toEqual({
      files: [],
      symlinks: [],
    })
  })

  it.each([
    [json({ name: 'x' }), 'Missing required fields.'],
    [json({ description: 'y' }), 'Missing required fields.'],
    [json({ name: 5, description: 'y' }), 'name must be a string.'],
    [json({ name: null, description: 'y' }), 'name must be a string.'],
    [json({ name: 'x', description: ['y'] }), 'description must be a string.'],
    // the types of both are checked before their absence, the rest after it
    [json({ description: 5 }), 'description must be a string.'],
    [json({ description: 'y', default_job_type: 5 }), 'Missing required fields.'],
    [ws({ name: 'x'.repeat(10_001) }), 'name is too long (at most 10000 characters).'],
    [ws({ default_job_type: 3 }), 'default_job_type must be a string.'],
    [
      ws({ default_job_type: 'x'.repeat(10_001) }),
      'default_job_type is too long (at most 10000 characters).',
    ],
    [ws({ workspace_details: [] }), 'workspace_details must be an object.'],
    [ws({ workspace_details: { files: 'nope' } }), 'workspace_details.files must be a list.'],
    [
      ws({ workspace_details: { files: Array.from({ length: 10_001 }, () => ({ name: 'a' })) } }),
      'workspace_details.files has too many entries (at most 10000).',
    ],
    [
      ws({ workspace_details: { files: [{ name: 'a' }, 7] } }),
      'workspace_details.files[1] must be an object.',
    ],
    [
      ws({ workspace_details: { files: [{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 3 }] } }),
      'workspace_details.files[3].name must be a string.',
    ],
    [ws({ workspace_details: { files: [{}] } }), 'workspace_details.files[0].name must be a string.'],
    [
      ws({ workspace_details: { files: [{ name: 'a', content: null }] } }),
      'workspace_details.files[0].content must be a string.',
    ],
    [ws({ workspace_details: { symlinks: {} } }), 'workspace_details.symlinks must be a list.'],
    [ws({ workspace_details: { symlinks: [null] } }), 'workspace_details.symlinks[0] must be an object.'],
    [
      ws({ workspace_details: { symlinks: [{ source_path: '/d' }] } }),
      'workspace_details.symlinks[0].name must be a string.',
    ],
    ...[{ name: 'l' }, { name: 'l', source_path: 5 }, { name: 'l', path: 5 }].map((l) => [
      ws({ workspace_details: { symlinks: [{ name: 'k', path: '/d' }, l] } }),
      'workspace_details.symlinks[1] needs source_path (or path): the absolute path under a data root it points to.',
    ]),
  ])('refuses body %# with %j', (body, message) => {
    expect(refusal(CreateWorkspaceBody, body)).toBe(message)
  })

  it('takes every field as optional in an update, with the same messages', () => {
    expect(parseWith(UpdateWorkspaceBody, json({ description: 'z' }))).toEqual({
      description: 'z',
      workspace_details: { files: [], symlinks: [] },
    })
    expect(refusal(UpdateWorkspaceBody, json({ name: 5 }))).toBe('name must be a string.')
    expect(refusal(UpdateWorkspaceBody, json({ workspace_details: 'x' }))).toBe(
      'workspace_details must be an object.',
    )
  })
})

describe('a job start', () => {
  it('accepts a null job type and any resource options', () => {
    expect(parseWith(StartJobBody, json({ job_type: null, resource_options: { num_cpus: 2 } }))).toEqual({
      job_type: null,
      resource_options: { num_cpus: 2 },
    })
    expect(parseWith(StartJobBody, '')).toEqual({})
  })

  it.each([
    [{ job_type: 5 }, 'job_type must be a string.'],
    [{ job_type: 'x'.repeat(10_001) }, 'job_type is too long (at most 10000 characters).'],
    [{ job_details: [] }, 'job_details must be an object.'],
    [{ job_details: null }, 'job_details must be an object.'],
    [{ job_details: 'x' }, 'job_details must be an object.'],
  ])('refuses body %# with %j', (body, message) => {
    expect(refusal(StartJobBody, json(body))).toBe(message)
  })
})

describe('path parameters', () => {
  it('read an id as a positive integer', () => {
    expect(parseWith(IdParams, { id: '12' })).toEqual({ id: 12 })
    expect(parseWith(SharePutParams, { id: '7', put_type: 'accept' })).toEqual({ id: 7, put_type: 'accept' })
  })

  it.each(['x', '0', '-1', '1.5', '01', '', '9007199254740993', '12345678901234567'])(
    'refuse the id %j',
    (id) => {
      expect(refusal(IdParams, { id })).toBe(`id must be a positive integer, got ${JSON.stringify(id)}.`)
    },
  )

  it('refuse an unknown PUT type, before the id on workspaces and jobs, after it on shares', () => {
    expect(refusal(WorkspacePutParams, { id: 'x', put_type: 'launch' })).toBe('Invalid PUT type passed.')
    expect(refusal(JobPutParams, { id: 'x', put_type: 'pause' })).toBe('Invalid PUT type passed.')
    expect(refusal(JobPutParams, { id: 'x', put_type: 'stop' })).toBe(
      'id must be a positive integer, got "x".',
    )
    expect(refusal(SharePutParams, { id: '3', put_type: 'bogus' })).toBe('Invalid PUT type passed.')
    expect(refusal(SharePutParams, { id: 'x', put_type: 'bogus' })).toBe(
      'id must be a positive integer, got "x".',
    )
  })
})

describe('queries', () => {
  it('take the last of a repeated parameter, as Django does', () => {
    expect(parseWith(JobQuery, { job_type: ['a', 'b'], status: 'running' })).toEqual({
      job_type: 'b',
      status: 'running',
    })
  })

  it('read is_accepted as Django does, another value matching nothing (null)', () => {
    expect(parseWith(ShareQuery, { is_accepted: 'True' })).toEqual({ is_accepted: true })
    expect(parseWith(ShareQuery, { is_accepted: '0' })).toEqual({ is_accepted: false })
    expect(parseWith(ShareQuery, { is_accepted: 'maybe' })).toEqual({ is_accepted: null })
    expect(parseWith(ShareQuery, {})).toEqual({})
  })

  it('search for everyone without a search term', () => {
    expect(parseWith(UserQuery, {})).toEqual({ search: '' })
  })
})

describe('a share', () => {
  it('reads the workspace id (an integer or its digits) and the user ids as strings', () => {
    expect(parseWith(ShareBody, json({ original_workspace_id: '12', shared_user_ids: ['u1', 7] }))).toEqual({
      original_workspace_id: 12,
      shared_user_ids: ['u1', '7'],
    })
  })

  it('refuses what names no workspace with 404, before looking at the user ids', () => {
    for (const v of ['x', '007', 0, null, [], 1.5]) {
      const body = json({ original_workspace_id: v, shared_user_ids: 'not a list' })
      expect(() => parseWith(ShareBody, body)).toThrow(
        expect.objectContaining({
          code: 'not_found',
          message: `Workspace ${String(v)} not found for user.`,
        }),
      )
    }
  })

  it.each<[unknown, string]>([
    [{ original_workspace_id: 1 }, 'Missing required fields.'],
    [{ shared_user_ids: [] }, 'Missing required fields.'],
    [{ original_workspace_id: 'x' }, 'Missing required fields.'],
    [{ original_workspace_id: 1, shared_user_ids: 'u1' }, 'shared_user_ids is not a list.'],
    [{ original_workspace_id: 1, shared_user_ids: null }, 'shared_user_ids is not a list.'],
    [
      { original_workspace_id: 1, shared_user_ids: Array.from({ length: 1001 }, () => 'u') },
      'shared_user_ids has too many entries (at most 1000).',
    ],
    ...[{}, '', 'x'.repeat(129), 1.5, 2 ** 60, true, null].map((u): [unknown, string] => [
      { original_workspace_id: 1, shared_user_ids: ['u1', u] },
      'Invalid user id provided.',
    ]),
  ])('refuses body %# with %j', (body, message) => {
    expect(refusal(ShareBody, json(body))).toBe(message)
  })
})

describe('a token exchange', () => {
  it('reads the client token and the user', () => {
    expect(
      parseWith(TokenBody, json({ client_token: 't', user_info: { username: 'u', email: 'u@x', sub: 1 } })),
    ).toMatchObject({ client_token: 't', user_info: { username: 'u', email: 'u@x' } })
  })

  it.each([
    [{}, 'Missing client_token or user_info.'],
    [{ user_info: {} }, 'Missing client_token or user_info.'],
    [{ client_token: 5, user_info: { username: 5 } }, 'Missing client_token or user_info.'],
    [{ client_token: 't', user_info: [] }, 'Missing client_token or user_info.'],
    [{ client_token: 't', user_info: {} }, 'user_info needs a username (and an email), both strings.'],
    [
      { client_token: 't', user_info: { username: 'u', email: null } },
      'user_info needs a username (and an email), both strings.',
    ],
  ])('refuses body %# with %j', (body, message) => {
    expect(refusal(TokenBody, json(body))).toBe(message)
  })
})

describe('the OpenAPI document', () => {
  it('states a JSON body as the object it must be, with its required fields', () => {
    const schema = new SchemaRenderer().render(CreateWorkspaceBody)
    expect(schema).toMatchObject({ type: 'object', required: ['name', 'description'] })
    expect(Object.keys(schema.properties as object)).toEqual([
      'name',
      'description',
      'default_job_type',
      'workspace_details',
    ])
  })

  it('states an id parameter as the digits it must be', () => {
    expect(new SchemaRenderer().render(IdParams)).toMatchObject({
      properties: { id: { type: 'string', pattern: '^[1-9][0-9]{0,15}$' } },
    })
  })
})
