import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { JSON_TYPE } from '../../http/openapi/operation.js'
import type { WorkspaceDeps } from '../../broker/workspaces/deps.js'
import { exchangeToken, type TokenDeps } from '../../broker/workspaces/exchange-token.js'
import { isJobStatus } from '../../domain/workspaces.js'
import type { Store } from '../../store/store.js'
import { ok } from './envelope.js'
import { presentJob } from './present.js'
import { IdParams, JobQuery, TokenBody, UserQuery } from './request-schemas.js'
import { uwsRoute, type UwsAuth } from './uws-route.js'
import { envelope, JobWire } from './wire.js'

const answer = (description: string, schema: z.ZodTypeAny) => ({
  description,
  content: { [JSON_TYPE]: schema },
})
const jobsAnswer = answer('The jobs (an empty list when none match)', envelope({ jobs: z.array(JobWire) }))
const dependency = z.object({ connected: z.boolean(), message: z.string() })

/** What the open and user routes besides workspaces need. */
export interface InfoRouteDeps {
  workspaces: WorkspaceDeps
  tokens: TokenDeps
  store: Store
  version: string
  /** The session backend jobs run on (its name). */
  backendName: string
}

/**
 * `POST /tokens/` (the local mode), `GET /job_types/`, `GET /parameters/` and `GET /status/` (open, as in
 * the original), `GET /users/?search=`, and `GET /jobs/`, `GET /jobs/<id>/` (filters `workspace_id`,
 * `job_type`, `status`), with and without the trailing slash.
 */
export function infoRoutes(app: FastifyInstance, auth: UwsAuth, d: InfoRouteDeps): void {
  uwsRoute(app, auth, {
    paths: ['/tokens/'],
    method: 'POST',
    access: 'open',
    doc: {
      summary: "Exchange an API client's access token for a workspaces token of a user",
      description: 'The user is created when new. `client_token` is an access token of labgate.',
      body: { schema: TokenBody, required: true },
      responses: {
        200: answer(
          'The token, for `UWS-Authorization: Token <token>`',
          z.object({ success: z.literal(true), message: z.string(), token: z.string() }),
        ),
      },
    },
    handler: async ({ body }) => {
      const token = await exchangeToken(d.tokens, {
        clientToken: body.client_token,
        username: body.user_info.username,
        email: body.user_info.email ?? '',
      })
      return { success: true, message: 'Successful authentication.', token }
    },
  })
  uwsRoute(app, auth, {
    paths: ['/job_types/'],
    method: 'GET',
    access: 'open',
    doc: {
      summary: 'The job types jobs may be started with',
      responses: {
        200: answer(
          'The job types by id',
          envelope({ job_types: z.record(z.object({ id: z.string(), name: z.string() })) }),
        ),
      },
    },
    handler: async () =>
      ok('Successful.', {
        job_types: Object.fromEntries(
          d.workspaces.settings.jobTypes.map((t) => [t.id, { id: t.id, name: t.name }]),
        ),
      }),
  })
  uwsRoute(app, auth, {
    paths: ['/parameters/'],
    method: 'GET',
    access: 'open',
    doc: {
      summary: 'The resource options jobs may be started with',
      responses: {
        200: answer('The options', envelope({ parameters: z.array(z.record(z.unknown())) })),
      },
    },
    handler: async () => ok('Successful.', { parameters: d.workspaces.settings.parameters }),
  })
  uwsRoute(app, auth, {
    paths: ['/status/'],
    method: 'GET',
    access: 'open',
    doc: {
      summary: "The server's version and the state of what it depends on",
      responses: {
        200: answer(
          'The status',
          z.object({
            message: z.string(),
            success: z.literal(true),
            version: z.string(),
            build: z.string(),
            dependencies: z.object({
              main_resource: dependency,
              api_user_authentication: dependency,
              storage_methods: z.record(dependency),
            }),
          }),
        ),
      },
    },
    handler: async () => {
      const database = await d.store.getSetting('portal.uid').then(
        () => ({ connected: true, message: '' }),
        (e: unknown) => ({ connected: false, message: `database unreachable: ${(e as Error).message}` }),
      )
      return {
        message: '',
        success: true,
        version: d.version,
        build: d.version,
        dependencies: {
          main_resource: { connected: true, message: `jobs run on the ${d.backendName} backend` },
          api_user_authentication: database,
          storage_methods: { local: { connected: true, message: '' } },
        },
      }
    },
  })
  uwsRoute(app, auth, {
    paths: ['/users/'],
    method: 'GET',
    access: 'user',
    doc: {
      summary: 'Search users to share a workspace with (at most 50, the caller excluded)',
      query: UserQuery,
      responses: {
        200: answer(
          'The users (an empty list when none match)',
          envelope({
            users: z.array(
              z.object({
                id: z.string(),
                username: z.string(),
                first_name: z.string(),
                last_name: z.string(),
                email: z.string(),
              }),
            ),
          }),
        ),
      },
    },
    handler: async ({ query }, userId) => {
      const users = await d.store.searchUsers(query.search, {
        excludeId: userId!,
        kinds: ['registered', 'anonymous'],
        limit: 50,
      })
      return ok(users.length ? 'Successful.' : 'User matching given parameters could not be found.', {
        users: users.map((u) => ({
          id: u.id,
          username: u.username ?? '',
          first_name: u.firstName ?? '',
          last_name: u.lastName ?? '',
          email: u.email ?? '',
        })),
      })
    },
  })
  uwsRoute(app, auth, {
    paths: ['/jobs/'],
    method: 'GET',
    access: 'user',
    doc: {
      summary: "The caller's jobs, filtered",
      query: JobQuery,
      responses: { 200: jobsAnswer },
    },
    handler: async ({ query: q }, userId) => {
      const workspaceId = q.workspace_id !== undefined ? Number(q.workspace_id) : undefined
      const none = ok('Job matching given parameters could not be found.', { jobs: [] })
      if (workspaceId !== undefined && !Number.isSafeInteger(workspaceId)) return none
      if (q.status !== undefined && !isJobStatus(q.status)) return none
      const jobs = await d.workspaces.workspaces.listJobs({
        ownerId: userId!,
        ...(workspaceId !== undefined ? { workspaceId } : {}),
        ...(q.job_type !== undefined ? { jobType: q.job_type } : {}),
        ...(q.status !== undefined && isJobStatus(q.status) ? { status: [q.status] } : {}),
      })
      const now = d.workspaces.clock.now()
      return jobs.length ? ok('Successful.', { jobs: jobs.map((j) => presentJob(j, now)) }) : none
    },
  })
  uwsRoute(app, auth, {
    paths: ['/jobs/:id/'],
    method: 'GET',
    access: 'user',
    doc: {
      summary: 'One job of the caller, as a list of one (or none)',
      params: IdParams,
      responses: { 200: jobsAnswer },
    },
    handler: async ({ params }, userId) => {
      const job = await d.workspaces.workspaces.getJob(params.id)
      return job && job.ownerId === userId
        ? ok('Successful.', { jobs: [presentJob(job, d.workspaces.clock.now())] })
        : ok('Job matching given parameters could not be found.', { jobs: [] })
    },
  })
}
