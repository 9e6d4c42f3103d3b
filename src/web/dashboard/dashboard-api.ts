import type { FastifyInstance, FastifyRequest } from 'fastify'
import { extendSession, sessionSchedule, terminateSession } from '../../broker/session-ops.js'
import type { ApiContext } from '../../api/context.js'
import { iso } from '../../api/educates/present.js'
import { withNotification } from '../../api/index-url.js'
import { forbidden } from '../../domain/errors.js'
import { gatewayAccess } from '../../gateway/access.js'
import type { InstructionsService } from './instructions-service.js'

/**
 * The dashboard's own API on the session's origin (so it works with host routing, where the portal's
 * cookie is not sent): `_labgate/schedule`, `_labgate/extend`, `_labgate/terminate` and
 * `_labgate/instructions/<page>`, for the owner (session cookie) and staff. Changes need
 * `X-Requested-With` (no cross-site form can send it).
 */
export function dashboardApi(app: FastifyInstance, ctx: ApiContext, instructions: InstructionsService): void {
  const { deps } = ctx
  const access = (req: FastifyRequest) =>
    gatewayAccess(ctx, req.headers, (req.params as { name: string }).name, { allowStopping: true })
  const csrf = (req: FastifyRequest) => {
    if (!req.headers['x-requested-with'])
      throw forbidden('Requests from the browser must send an X-Requested-With header')
  }
  const present = <T extends { started: number | null; expires: number | null }>(v: T) => ({
    ...v,
    started: iso(v.started),
    expires: iso(v.expires),
  })

  app.get('/sessions/:name/_labgate/schedule', async (req) =>
    present(await sessionSchedule(deps, (await access(req)).session)),
  )

  app.post('/sessions/:name/_labgate/extend', async (req) => {
    csrf(req)
    return present(await extendSession(deps, (await access(req)).session))
  })

  app.post('/sessions/:name/_labgate/terminate', async (req) => {
    csrf(req)
    const { session } = await access(req)
    await terminateSession(deps, session)
    const index = session.indexUrl ?? deps.portal.index
    return { redirect: index ? withNotification(index, 'session-deleted') : `${ctx.portalUrl}/` }
  })

  app.get('/sessions/:name/_labgate/instructions/:page', async (req) => {
    const { session } = await access(req)
    return instructions.page(session, (req.params as { page: string }).page)
  })
}
