/**
 * The learner's workspaces page in the browser (`/my/workspaces/`) and its forms: create and delete a
 * workspace, start and stop a job. Signed-in learners only (the portal's sign-in cookie); every form is
 * CSRF-checked; a refused form shows the page again with the reason and the error's status.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { createWorkspace } from '../../broker/workspaces/create-workspace.js'
import { deleteWorkspace } from '../../broker/workspaces/delete-workspace.js'
import type { JobDeps } from '../../broker/workspaces/jobs/deps.js'
import { startJob } from '../../broker/workspaces/jobs/start-job.js'
import { stopJob } from '../../broker/workspaces/jobs/stop-job.js'
import { listWorkspaces } from '../../broker/workspaces/read-workspaces.js'
import { badRequest, LabgateError } from '../../domain/errors.js'
import { ENDED_JOB_STATUSES, LIVE_JOB_STATUSES } from '../../domain/workspaces.js'
import { parseFormBody } from '../../http/body.js'
import { actorOf, type ApiContext } from '../../http/context.js'
import { isSecure } from '../../http/cookies.js'
import { csrfOk, issueCsrfToken } from '../../http/csrf.js'
import { STATUS } from '../../http/errors.js'
import { messagePage } from '../../http/message-page.js'
import { MY_WORKSPACES, workspacesPage } from './workspaces-page.js'

const PAGE_HEADERS = {
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
}

/** Registers the page and its forms. */
export function myWorkspacesRoutes(app: FastifyInstance, ctx: ApiContext, d: JobDeps): void {
  const secure = () => isSecure(ctx.portalUrl)

  /** The signed-in learner, or null after sending the browser to sign in. */
  const learner = async (req: FastifyRequest, reply: FastifyReply): Promise<string | null> => {
    const actor = await actorOf(ctx, req)
    if (actor && actor.via === 'cookie' && actor.kind !== 'robot') return actor.userId
    void reply
      .header('cache-control', 'no-store')
      .redirect(`/login/?next=${encodeURIComponent(MY_WORKSPACES)}`, 303)
    return null
  }

  const render = async (
    req: FastifyRequest,
    reply: FastifyReply,
    userId: string,
    status = 200,
    message?: string,
  ) => {
    const workspaces = await listWorkspaces(d, userId, {})
    // the live jobs and the latest ended ones, however many a learner ran over the years
    const [live, ended] = await Promise.all([
      d.workspaces.listJobs({ ownerId: userId, status: [...LIVE_JOB_STATUSES] }),
      d.workspaces.listJobs(
        { ownerId: userId, status: [...ENDED_JOB_STATUSES] },
        { newest: true, limit: 100 },
      ),
    ])
    const jobs = [...live, ...ended]
    const body = workspacesPage({
      portalName: ctx.deps.portal.name,
      csrf: issueCsrfToken(req, reply, secure()),
      workspaces: workspaces.map((workspace) => ({
        workspace,
        jobs: jobs.filter((j) => j.workspaceId === workspace.id),
      })),
      jobTypes: d.settings.jobTypes.map((t) => ({ id: t.id, name: t.name })),
      ...(message ? { message } : {}),
    })
    return reply.status(status).headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(body)
  }

  /**
   * A form's route: checks the learner and the CSRF token, runs `act` with the form's fields, and sends
   * the browser back to the page (303), or shows the page with the reason when `act` refuses.
   */
  const form = (
    path: string,
    act: (userId: string, id: number, f: Record<string, string>) => Promise<unknown>,
  ) =>
    app.post(path, async (req, reply) => {
      const userId = await learner(req, reply)
      if (!userId) return reply
      const type = String(req.headers['content-type'] ?? '').toLowerCase()
      const fields = type.startsWith('application/x-www-form-urlencoded')
        ? parseFormBody(typeof req.body === 'string' ? req.body : '')
        : {}
      if (!csrfOk(req, fields, secure()))
        return messagePage(
          reply,
          403,
          'Form expired',
          'This form has expired or was sent from another site. Reload the page and try again.',
        )
      const id = Number((req.params as { id?: string }).id ?? 0)
      try {
        await act(userId, id, fields)
      } catch (e) {
        if (!(e instanceof LabgateError) || STATUS[e.code] >= 500) throw e
        return render(req, reply, userId, STATUS[e.code], e.message)
      }
      return reply.header('cache-control', 'no-store').redirect(MY_WORKSPACES, 303)
    })

  app.get(MY_WORKSPACES, async (req, reply) => {
    const userId = await learner(req, reply)
    return userId ? render(req, reply, userId) : reply
  })
  app.get('/my/workspaces', (_req, reply) => reply.redirect(MY_WORKSPACES, 301))

  form(MY_WORKSPACES, async (userId, _id, f) => {
    const name = (f.name ?? '').trim()
    if (!name || name.length > 200) throw badRequest('Give the workspace a name (at most 200 characters).')
    await createWorkspace(d, userId, { name, description: (f.description ?? '').trim().slice(0, 1000) })
  })
  form('/my/workspaces/:id/start', (userId, id, f) =>
    startJob(d, userId, id, { job_type: f.job_type || undefined, resource_options: {} }),
  )
  form('/my/workspaces/:id/delete', (userId, id) => deleteWorkspace(d, userId, id))
  form('/my/jobs/:id/stop', (userId, id) => stopJob(d, userId, id))
}
