import type { FastifyInstance } from 'fastify'
import { userSessions } from '../../broker/user-sessions.js'
import type { ApiContext } from '../../http/context.js'
import { endpoint } from '../endpoint.js'
import { presentUserSession } from './present.js'

/** `GET /workshops/user/<user>/sessions/` (robots): the user's sessions that are not stopping or stopped. */
export function userRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { deps } = ctx
  endpoint(app, ctx, {
    paths: ['/workshops/user/:user/sessions/'],
    methods: ['GET'],
    access: 'robot',
    handler: async (req) => {
      const user = (req.params as { user: string }).user
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
