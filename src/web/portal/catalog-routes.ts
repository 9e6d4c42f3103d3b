/**
 * The learners' portal: the catalog at `/` (Educates' `/workshops/catalog/` redirects there), starting a
 * workshop at `/workshops/environment/<name>/create/` (Educates' path; a GET asks to confirm, the form
 * POSTs), and "My labs" at `/my/labs/`. Under `registration.type: anonymous` a visitor who presses Start
 * is signed in as a new anonymous user first, so nobody has to sign up.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Actor } from '../../broker/actor.js'
import { learnerCatalog } from '../../broker/learner-catalog.js'
import { NoSessionAvailable, type UnavailableReason } from '../../broker/request-session.js'
import { startWorkshop } from '../../broker/start-workshop.js'
import { userSessions } from '../../broker/user-sessions.js'
import { LabgateError } from '../../domain/errors.js'
import { ENDED, isSafeName } from '../../domain/index.js'
import type { WorkspaceDeps } from '../../broker/workspaces/deps.js'
import { LIVE_JOB_STATUSES } from '../../domain/workspaces.js'
import { parseFormBody } from '../../http/body.js'
import { actorOf, type ApiContext } from '../../http/context.js'
import { isSecure } from '../../http/cookies.js'
import { CSRF_FIELD, csrfOk, issueCsrfToken } from '../../http/csrf.js'
import { html } from '../../http/html.js'
import { notInApi } from '../../http/openapi/registry.js'
import { redirectToSlash } from '../../http/trailing-slash.js'
import { catalogPage, createPath } from './catalog-page.js'
import { myLabsPage } from './my-labs-page.js'
import { portalPage, PORTAL_PAGE_HEADERS, type PortalViewer } from './portal-layout.js'

/** Signs a visitor in as a new anonymous user (setting the cookie on `reply`), or says how long to wait. */
export type GuestSignIn = (
  req: FastifyRequest,
  reply: FastifyReply,
) => Promise<{ userId: string } | { retryAfter: number }>

export interface CatalogOptions {
  ctx: ApiContext
  /** Present when `registration.type` is `anonymous` and registration is enabled. */
  guestSignIn?: GuestSignIn
  /** The workspaces' jobs, when workspaces are enabled: "My labs" lists the live ones. */
  jobs?: () => Pick<WorkspaceDeps, 'workspaces'> | null
}

const UNAVAILABLE: Record<UnavailableReason, string> = {
  capacity: 'Every session of that workshop is in use. Try again in a few minutes.',
  maximum: 'The portal is running as many sessions as it may. Try again in a few minutes.',
  'user-cap': 'You already have as many workshops running as this portal allows. Finish one first (My labs).',
}
const NOTICES: Record<string, string> = {
  'session-deleted': 'Your workshop session has ended.',
  'session-unavailable': 'No session of that workshop is free right now. Try again in a few minutes.',
  'workshop-invalid': 'That workshop is not available.',
  'session-invalid': 'That session does not exist, or it is not yours.',
  'startup-timeout': 'Your session took too long to start. Try again.',
}
/** Finished sessions "My labs" lists, newest first. */
const FINISHED_SHOWN = 20

export function catalogRoutes(app: FastifyInstance, o: CatalogOptions): void {
  const { ctx } = o
  const { deps } = ctx
  const portal = deps.portal
  const secure = () => isSecure(ctx.portalUrl)
  const person = (a: Actor | null): Actor | null => (a && a.via === 'cookie' && a.kind !== 'robot' ? a : null)
  const viewer = (a: Actor | null): PortalViewer => ({
    portalName: portal.name,
    signedIn: a !== null,
    staff: a?.kind === 'staff',
    workspaces: Boolean(portal.labgate.workspaces),
    registration: portal.registration.enabled,
  })
  const send = (reply: FastifyReply, status: number, body: string) =>
    reply.status(status).headers(PORTAL_PAGE_HEADERS).type('text/html; charset=utf-8').send(body)
  const back = (reply: FastifyReply, query: string) =>
    reply.header('cache-control', 'no-store').redirect(`/?${query}`, 303)

  app.get('/', async (req, reply) => {
    const actor = person(await actorOf(ctx, req))
    const q = req.query as Record<string, unknown>
    const reason = typeof q.reason === 'string' ? UNAVAILABLE[q.reason as UnavailableReason] : undefined
    const note = typeof q.notification === 'string' ? NOTICES[q.notification] : undefined
    const visible = actor !== null || portal.catalogVisibility === 'public' || o.guestSignIn !== undefined
    return send(
      reply,
      200,
      catalogPage({
        viewer: viewer(actor),
        entries: visible ? await learnerCatalog(deps, actor?.userId ?? null) : null,
        csrf: issueCsrfToken(req, reply, secure()),
        guestsMayStart: o.guestSignIn !== undefined,
        ...(reason || note ? { notice: { text: (reason ?? note)! } } : {}),
        now: deps.clock.now(),
      }),
    )
  })
  app.get('/workshops/catalog/', (req, reply) => reply.redirect(queryOf(req.url, '/'), 302))
  redirectToSlash(app, '/workshops/catalog/')
  // Pages beside the Educates API's paths: in no API document.
  notInApi(app, ['GET'], '/workshops/catalog/', "the catalog page's Educates path: a redirect to /")
  notInApi(app, ['GET'], '/workshops/catalog', 'a redirect to /workshops/catalog/')
  notInApi(app, ['GET', 'POST'], '/workshops/environment/:env/create/', "the catalog's Start (HTML form)")
  notInApi(app, ['GET'], '/workshops/environment/:env/create', 'a redirect to the Start page')

  const create = '/workshops/environment/:env/create/'
  redirectToSlash(app, create, { target: (req) => createPath((req.params as { env: string }).env) })

  // A link to a workshop (Educates' catalog links here): confirm, since starting one changes state.
  app.get(create, async (req, reply) => {
    const env = (req.params as { env: string }).env
    const actor = person(await actorOf(ctx, req))
    if (!actor && !o.guestSignIn)
      return reply
        .header('cache-control', 'no-store')
        .redirect(`/login/?next=${encodeURIComponent(createPath(env))}`, 302)
    const entry = isSafeName(env)
      ? (await learnerCatalog(deps, actor?.userId ?? null)).find((e) => e.environment.name === env)
      : undefined
    if (!entry) return back(reply, 'notification=workshop-invalid')
    if (entry.offer.kind === 'resume')
      return reply
        .header('cache-control', 'no-store')
        .redirect(`/workshops/session/${entry.offer.session.name}/`, 302)
    const w = entry.environment.settings.workshop
    const csrf = issueCsrfToken(req, reply, secure())
    return send(
      reply,
      200,
      portalPage(
        viewer(actor),
        'catalog',
        w.title || w.name,
        html`<p>${w.description}</p>
          <form method="post" action="${createPath(env)}">
            <input type="hidden" name="${CSRF_FIELD}" value="${csrf}" />
            <button class="primary">Start the workshop</button>
          </form>`,
      ),
    )
  })

  app.post(create, async (req, reply) => {
    const env = (req.params as { env: string }).env
    const type = String(req.headers['content-type'] ?? '').toLowerCase()
    const form = type.startsWith('application/x-www-form-urlencoded')
      ? parseFormBody(typeof req.body === 'string' ? req.body : '')
      : {}
    if (!csrfOk(req, form, secure()))
      return send(
        reply,
        403,
        portalPage(
          viewer(null),
          null,
          'Form expired',
          html`<p>
            This form has expired or was sent from another site. <a href="/">Back to the workshops</a>, then
            press Start again.
          </p>`,
        ),
      )
    let userId = person(await actorOf(ctx, req))?.userId ?? null
    if (userId === null) {
      if (!o.guestSignIn)
        return reply
          .header('cache-control', 'no-store')
          .redirect(`/login/?next=${encodeURIComponent(createPath(env))}`, 303)
      const guest = await o.guestSignIn(req, reply)
      if ('retryAfter' in guest) {
        void reply.header('retry-after', String(guest.retryAfter))
        return send(
          reply,
          429,
          portalPage(
            viewer(null),
            null,
            'Too many visitors',
            html`<p>Too many guests started from your address. Try again in a few minutes.</p>`,
          ),
        )
      }
      userId = guest.userId
    }
    if (!isSafeName(env)) return back(reply, 'notification=workshop-invalid')
    try {
      const s = await startWorkshop(deps, { environment: env, userId, indexUrl: `${ctx.portalUrl}/` })
      return reply.header('cache-control', 'no-store').redirect(`/workshops/session/${s.name}/`, 303)
    } catch (e) {
      if (e instanceof NoSessionAvailable)
        return back(reply, `notification=session-unavailable${e.reason ? `&reason=${e.reason}` : ''}`)
      if (e instanceof LabgateError && (e.code === 'not_found' || e.code === 'forbidden'))
        return back(reply, 'notification=workshop-invalid')
      throw e
    }
  })

  app.get('/my/labs/', async (req, reply) => {
    const actor = person(await actorOf(ctx, req))
    if (!actor) return reply.header('cache-control', 'no-store').redirect('/login/?next=%2Fmy%2Flabs%2F', 302)
    const jobDeps = o.jobs?.() ?? null
    const [live, ended, jobs] = await Promise.all([
      userSessions(deps, actor.userId),
      deps.store.listSessions({ owner: actor.userId, portal: portal.name, states: ENDED }),
      jobDeps ? jobDeps.workspaces.listJobs({ ownerId: actor.userId, status: [...LIVE_JOB_STATUSES] }) : null,
    ])
    const envs = new Map((await deps.store.listEnvironments({ portal: portal.name })).map((e) => [e.name, e]))
    const finished = ended
      .sort((a, b) => (b.stoppedAt ?? b.createdAt) - (a.stoppedAt ?? a.createdAt))
      .slice(0, FINISHED_SHOWN)
      .map((session) => ({ session, environment: envs.get(session.environment) ?? null }))
    return send(
      reply,
      200,
      myLabsPage({ viewer: viewer(actor), live, finished, jobs, now: deps.clock.now() }),
    )
  })
  redirectToSlash(app, '/my/labs/')
}

/** `target` with the query string of `url` (if any). */
const queryOf = (url: string, target: string) => {
  const i = url.indexOf('?')
  return i < 0 ? target : target + url.slice(i)
}
