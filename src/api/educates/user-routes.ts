import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { userSessions } from '../../broker/user-sessions.js'
import type { ApiContext } from '../../http/context.js'
import { JSON_TYPE } from '../../http/openapi/operation.js'
import { parseWith } from '../../http/validate.js'
import { endpoint, type EndpointDoc } from '../endpoint.js'
import { presentUserSession } from './present.js'
import { nameParam, UserSessionsWire } from './wire.js'

const userSessionsDoc = {
  summary: "A user's sessions that have not ended",
  params: z.object({ user: nameParam.describe('the user') }),
  responses: { 200: { description: 'The sessions', content: { [JSON_TYPE]: UserSessionsWire } } },
} satisfies EndpointDoc

/** `GET /workshops/user/<user>/sessions/` (robots): the user's sessions that are not stopping or stopped. */
export function userRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { deps } = ctx
  endpoint(app, ctx, {
    paths: ['/workshops/user/:user/sessions/'],
    methods: ['GET'],
    access: 'robot',
    doc: userSessionsDoc,
    handler: async (req): Promise<z.infer<typeof UserSessionsWire>> => {
      const user = parseWith(userSessionsDoc.params, req.params).user
      const now = deps.clock.now()
      return {
        user,
        sessions: (await userSessions(deps, user)).flatMap(({ session, environment }) =>
          environment ? [presentUserSession(session, environment, now)] : [],
        ),
      }
    },
  })
}
