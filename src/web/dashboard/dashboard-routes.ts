import type { FastifyInstance } from 'fastify'
import { actorOf, type ApiContext } from '../../api/context.js'
import { withNotification } from '../../api/index-url.js'
import { sessionSchedule } from '../../broker/session-ops.js'
import { hasEnded, isSafeName } from '../../domain/index.js'
import { LabgateError } from '../../domain/errors.js'
import { gatewayAccess } from '../../gateway/access.js'
import type { SessionSignIn } from '../../gateway/sign-in.js'
import { sessionBasePath, sessionUrl } from '../../gateway/session-url.js'
import type { Session } from '../../store/rows.js'
import { messagePage } from '../message-page.js'
import { dashboardApi } from './dashboard-api.js'
import { dashboardPage } from './dashboard-page.js'
import { InstructionsService } from './instructions-service.js'
import { loadStaticFiles } from './static-files.js'

/** Called when a dashboard is shown (a page view counts as activity). */
export type OnView = (session: Session) => void

/**
 * The session's dashboard at `/sessions/<name>/` (or `/` of its own host), its assets and its API.
 * The owner gets in with the session-scoped cookie its sign-in sets (`signIn`: the OAuth code flow
 * against the portal), staff also with their portal sign-in. A browser without the session cookie is
 * sent through that sign-in (without `signIn`, it is refused); an ended session sends the learner back to the index URL with `notification=session-deleted`.
 */
export function dashboardRoutes(
  app: FastifyInstance,
  ctx: ApiContext,
  onView: OnView = () => {},
  signIn?: SessionSignIn,
): void {
  const { deps } = ctx
  const files = loadStaticFiles()
  const instructions = new InstructionsService(ctx)
  dashboardApi(app, ctx, instructions)

  app.get('/sessions/:name/_labgate/static/:file', async (req, reply) => {
    const f = files.get((req.params as { file: string }).file)
    if (!f) return reply.status(404).type('text/plain; charset=utf-8').send('Not found')
    return reply.header('cache-control', 'public, max-age=3600').type(f.type).send(f.body)
  })

  app.get('/sessions/:name', async (req, reply) =>
    reply.redirect(`/sessions/${(req.params as { name: string }).name}/`, 301),
  )

  app.get('/sessions/:name/', async (req, reply) => {
    const name = (req.params as { name: string }).name
    const row = isSafeName(name) ? await deps.store.getSession(name) : null
    const index = row?.indexUrl ?? deps.portal.index ?? null
    if (row && hasEnded(row.state)) {
      return index
        ? reply.redirect(withNotification(index, 'session-deleted'), 302)
        : messagePage(reply, 410, 'Session ended', 'This session has ended.')
    }
    let access
    try {
      access = await gatewayAccess(ctx, req.headers, name)
    } catch (e) {
      if (!(e instanceof LabgateError)) throw e
      if (e.code === 'not_found')
        return messagePage(reply, 404, 'No such session', 'This workshop session does not exist.')
      // No session cookie: the dashboard signs its learner in through the portal (OAuth code flow).
      if (row && signIn) return signIn.start(req, reply, name)
      return messagePage(
        reply,
        403,
        'Not signed in',
        'Open this workshop through the link you were given: it signs you in to your session.',
      )
    }
    const s = access.session
    const env = await deps.store.getEnvironment(s.environment)
    const schedule = await sessionSchedule(deps, s)
    const first = await instructions.page(s)
    onView(s)
    const body = dashboardPage({
      sessionName: s.name,
      workshopTitle: env?.settings.workshop.title ?? s.workshop,
      state: s.state,
      owner: s.owner ?? '',
      base: sessionBasePath(ctx, s.name, req.headers.host ?? ''),
      finishUrl: index ? withNotification(index, 'session-deleted') : `${ctx.portalUrl}/`,
      instructions: first,
      apps: env?.settings.workshop.ingresses ?? [],
      extendable: schedule.extendable,
      expires: schedule.expires === null ? null : new Date(schedule.expires).toISOString(),
    })
    return reply
      .header(
        'content-security-policy',
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' http: https:; connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'",
      )
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .type('text/html; charset=utf-8')
      .send(body)
  })

  /** The portal's page for a session: owners and staff are signed in to the gateway and sent there. */
  app.get('/workshops/session/:name/', async (req, reply) => {
    const name = (req.params as { name: string }).name
    const actor = await actorOf(ctx, req)
    const s = isSafeName(name) ? await deps.store.getSession(name) : null
    if (!actor)
      return messagePage(
        reply,
        403,
        'Not signed in',
        'Open this workshop through the link you were given: it signs you in to your session.',
      )
    const visible = s && s.portal === deps.portal.name && (actor.kind === 'staff' || s.owner === actor.userId)
    if (!visible)
      return messagePage(
        reply,
        404,
        'No such session',
        'This workshop session does not exist, or it is not yours.',
      )
    const index = s.indexUrl ?? deps.portal.index ?? null
    if (hasEnded(s.state)) {
      return index
        ? reply.redirect(withNotification(index, 'session-deleted'), 302)
        : messagePage(reply, 410, 'Session ended', 'This session has ended.')
    }
    // The dashboard signs the browser in through the code flow (the portal sign-in is already there).
    return reply.header('cache-control', 'no-store').redirect(sessionUrl(ctx, s.name), 302)
  })
  app.get('/workshops/session/:name', async (req, reply) =>
    reply.redirect(`/workshops/session/${(req.params as { name: string }).name}/`, 301),
  )
}
