import type { FastifyInstance, FastifyRequest } from 'fastify'
import { extendSession, finishSession, sessionSchedule } from '../../broker/session-ops.js'
import { gatewayAccess } from '../../gateway/access.js'
import type { ApiContext } from '../../http/context.js'
import { requireXRequestedWith } from '../../http/csrf.js'
import { sessionDeletedUrl } from '../../http/index-url.js'
import { presentSchedule } from '../../http/present-schedule.js'
import type { InstructionsService } from './instructions-service.js'

/**
 * The dashboard's own API on the session's origin (so it works with host routing, where the portal's
 * cookie is not sent): `_labgate/schedule`, `_labgate/extend`, `_labgate/terminate` and
 * `_labgate/instructions/<page>`, for the owner (session cookie) and staff. Changes need
 * `X-Requested-With` (no cross-site form can send it). `terminate` is the learner's "finish workshop":
 * for the owner it also runs the finish hooks (the grade passback of a session launched from an LMS).
 */
export function dashboardApi(app: FastifyInstance, ctx: ApiContext, instructions: InstructionsService): void {
  const { deps } = ctx
  const access = (req: FastifyRequest) =>
    gatewayAccess(ctx, req.headers, (req.params as { name: string }).name, { allowStopping: true })

  app.get('/sessions/:name/_labgate/schedule', async (req) =>
    presentSchedule(await sessionSchedule(deps, (await access(req)).session)),
  )

  app.post('/sessions/:name/_labgate/extend', async (req) => {
    requireXRequestedWith(req)
    return presentSchedule(await extendSession(deps, (await access(req)).session))
  })

  app.post('/sessions/:name/_labgate/terminate', async (req) => {
    requireXRequestedWith(req)
    const { session, userId } = await access(req)
    // the learner's own finish (not staff's) is what tells the LMS they completed the lab
    await finishSession(deps, session, userId)
    return { redirect: sessionDeletedUrl(session.indexUrl ?? deps.portal.index) ?? `${ctx.portalUrl}/` }
  })

  app.get('/sessions/:name/_labgate/instructions/:page', async (req) => {
    const { session } = await access(req)
    return instructions.page(session, (req.params as { page: string }).page)
  })
}
