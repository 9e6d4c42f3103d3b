import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { parseJsonBody } from '../http/body.js'
import type { ApiContext } from '../http/context.js'
import { requireXRequestedWith } from '../http/csrf.js'
import { parseWith } from '../http/validate.js'
import { gatewayAccess } from './access.js'
import { ACTIVITY_KINDS, activityView, type ActivityKind, type ActivityTracker } from './activity.js'

/**
 * `GET /sessions/<name>/session/activity` → `{"idle-time": s, "last-view": s}` (Educates' names, whole
 * seconds; reading it is not activity), and `POST` of `{"kind": "keystroke" | "view"}` → 204, recording the
 * activity. Both need the gateway credential (owner or staff, see `gatewayAccess`); the POST also needs an
 * `X-Requested-With` header (403 without), so another site cannot forge it. Only the owner's activity is
 * recorded: staff looking at a session do not keep it alive.
 */
export function activityRoutes(app: FastifyInstance, ctx: ApiContext, tracker: ActivityTracker): void {
  for (const path of ['/sessions/:name/session/activity', '/sessions/:name/session/activity/']) {
    app.get(path, async (req) => {
      const { session } = await gatewayAccess(ctx, req.headers, nameOf(req))
      return activityView(session, tracker.pending(session.name), ctx.deps.clock.now())
    })
    app.post(path, async (req, reply) => {
      const access = await gatewayAccess(ctx, req.headers, nameOf(req))
      requireXRequestedWith(req)
      const kind = kindOf(req.body)
      if (access.session.owner === access.userId) tracker.touch(access.session.name, kind)
      return reply.status(204).send()
    })
  }
}

const nameOf = (req: FastifyRequest) => (req.params as { name: string }).name

/** The POST's body, `{"kind": "keystroke" | "view"}`, with one message for every other shape. */
const ACTIVITY_BODY = (() => {
  const message = `Expected a JSON body {"kind": ${ACTIVITY_KINDS.map((k) => `"${k}"`).join(' | ')}}`
  const errorMap = () => ({ message })
  return z.object(
    { kind: z.enum(ACTIVITY_KINDS as [ActivityKind, ...ActivityKind[]], { errorMap }) },
    { errorMap },
  )
})()

function kindOf(body: unknown): ActivityKind {
  return parseWith(ACTIVITY_BODY, typeof body === 'string' ? parseJsonBody(body) : body).kind
}
