import type { FastifyInstance } from 'fastify'
import type { WorkspaceDeps } from '../../broker/workspaces/deps.js'
import { exchangeToken, type TokenDeps } from '../../broker/workspaces/exchange-token.js'
import { badRequest } from '../../domain/errors.js'
import { isJobStatus } from '../../domain/workspaces.js'
import type { Store } from '../../store/store.js'
import { ok } from './envelope.js'
import { presentJob } from './present.js'
import { idParam, jsonBody, uwsRoute, type UwsAuth } from './uws-route.js'

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
    handler: async (req) => {
      const body = jsonBody(req)
      const info = body.user_info
      if (
        typeof body.client_token !== 'string' ||
        typeof info !== 'object' ||
        info === null ||
        Array.isArray(info)
      ) {
        throw badRequest('Missing client_token or user_info.')
      }
      const { username, email } = info as Record<string, unknown>
      if (typeof username !== 'string' || (email !== undefined && typeof email !== 'string')) {
        throw badRequest('user_info needs a username (and an email), both strings.')
      }
      const token = await exchangeToken(d.tokens, {
        clientToken: body.client_token,
        username,
        email: email ?? '',
      })
      return { success: true, message: 'Successful authentication.', token }
    },
  })
  uwsRoute(app, auth, {
    paths: ['/job_types/'],
    method: 'GET',
    access: 'open',
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
    handler: async () => ok('Successful.', { parameters: d.workspaces.settings.parameters }),
  })
  uwsRoute(app, auth, {
    paths: ['/status/'],
    method: 'GET',
    access: 'open',
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
    handler: async (req, userId) => {
      const search = String((req.query as Record<string, unknown>).search ?? '')
      const users = await d.store.searchUsers(search, {
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
    handler: async (req, userId) => {
      const q = req.query as Record<string, string | undefined>
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
      return jobs.length ? ok('Successful.', { jobs: jobs.map(presentJob) }) : none
    },
  })
  uwsRoute(app, auth, {
    paths: ['/jobs/:id/'],
    method: 'GET',
    access: 'user',
    handler: async (req, userId) => {
      const job = await d.workspaces.workspaces.getJob(idParam(req))
      return job && job.ownerId === userId
        ? ok('Successful.', { jobs: [presentJob(job)] })
        : ok('Job matching given parameters could not be found.', { jobs: [] })
    },
  })
}
