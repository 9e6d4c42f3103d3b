import type { FastifyInstance, FastifyReply } from 'fastify'
import { environmentOf } from '../../broker/environment-lookup.js'
import { loadSession } from '../../broker/load-session.js'
import { mayEnterSession } from '../../broker/policies.js'
import { sessionSchedule } from '../../broker/session-ops.js'
import { isRemoteLabHandle } from '../../domain/remote-lab-handle.js'
import { ENDED } from '../../domain/session-states.js'
import { checkGatewayAccess } from '../../gateway/access.js'
import { sessionHostTarget } from '../../gateway/session-host.js'
import type { SessionSignIn } from '../../gateway/sign-in.js'
import { actorOf, type ApiContext } from '../../http/context.js'
import { sessionDeletedUrl } from '../../http/index-url.js'
import { messagePage } from '../../http/message-page.js'
import { sessionBasePath, sessionUrl } from '../../http/session-url.js'
import { redirectToSlash } from '../../http/trailing-slash.js'
import type { Session } from '../../store/rows.js'
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
 * Under host routing, the path form on any other host (the portal's) is redirected to the session's host.
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

  // The query is dropped here, unlike the API's redirects.
  redirectToSlash(app, '/sessions/:name/', {
    target: (req) => `/sessions/${(req.params as { name: string }).name}/`,
  })

  app.get('/sessions/:name/', async (req, reply) => {
    const name = (req.params as { name: string }).name
    // Host routing: the dashboard (and the apps it frames) only ever run on the session's own host.
    const elsewhere = sessionHostTarget(ctx, name, req.headers, req.url)
    if (elsewhere !== null) return reply.header('cache-control', 'no-store').redirect(elsewhere, 302)
    const row = await loadSession(deps, name)
    const index = row?.indexUrl ?? deps.portal.index ?? null
    if (row && ENDED.includes(row.state)) return ended(reply, index)
    const access = await checkGatewayAccess(ctx, req.headers, name)
    if ('refused' in access) {
      if (access.refused === 'not_found') return noSuchSession(reply)
      // No session cookie: the dashboard signs its learner in through the portal (OAuth code flow).
      if (row && signIn) return signIn.start(req, reply, name)
      return notSignedIn(reply)
    }
    const s = access.session
    if (isRemoteLabHandle(s.handle))
      return reply.header('cache-control', 'no-store').redirect(s.handle.loadUrl, 302)
    const env = await environmentOf(deps, s)
    const schedule = await sessionSchedule(deps, s)
    const first = await instructions.page(s)
    onView(s)
    const body = dashboardPage({
      sessionName: s.name,
      workshopTitle: env?.settings.workshop.title ?? s.workshop,
      state: s.state,
      owner: s.owner ?? '',
      base: sessionBasePath(ctx, s.name, req.headers.host ?? ''),
      finishUrl: sessionDeletedUrl(index) ?? `${ctx.portalUrl}/`,
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
    let s = await loadSession(deps, name)
    if (!actor) return notSignedIn(reply)
    if (!s || !mayEnterSession(actor, s))
      return messagePage(
        reply,
        404,
        'No such session',
        'This workshop session does not exist, or it is not yours.',
      )
    if (ENDED.includes(s.state)) return ended(reply, s.indexUrl ?? deps.portal.index ?? null)
    // A remote lab's session is the lab system's page (no dashboard, no terminal), once it is reserved.
    if (s.state === 'STARTING' && (await environmentOf(deps, s))?.settings.workshop.remote) {
      await Promise.race([deps.runner.whenSettled(s.name), new Promise((r) => setTimeout(r, 10_000).unref())])
      const now = await loadSession(deps, name)
      if (!now || ENDED.includes(now.state)) return ended(reply, s.indexUrl ?? deps.portal.index ?? null)
      s = now
    }
    if (isRemoteLabHandle(s.handle))
      return reply.header('cache-control', 'no-store').redirect(s.handle.loadUrl, 302)
    // The dashboard's sign-in: decided here at once where the portal can set its cookie, else the code
    // flow from the dashboard (the portal sign-in is already there either way).
    const signedIn = signIn ? await signIn.direct(req, reply, s.name) : null
    return reply.header('cache-control', 'no-store').redirect(signedIn ?? sessionUrl(ctx, s.name), 302)
  })
  redirectToSlash(app, '/workshops/session/:name/', {
    target: (req) => `/workshops/session/${(req.params as { name: string }).name}/`,
  })
}

/** A learner whose session has ended goes back to the index URL (`session-deleted`), else a 410 page. */
function ended(reply: FastifyReply, index: string | null) {
  const deleted = sessionDeletedUrl(index)
  return deleted
    ? reply.redirect(deleted, 302)
    : messagePage(reply, 410, 'Session ended', 'This session has ended.')
}

const noSuchSession = (reply: FastifyReply) =>
  messagePage(reply, 404, 'No such session', 'This workshop session does not exist.')

const notSignedIn = (reply: FastifyReply) =>
  messagePage(
    reply,
    403,
    'Not signed in',
    'Open this workshop through the link you were given: it signs you in to your session.',
  )
