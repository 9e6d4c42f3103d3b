import type { FastifyInstance } from 'fastify'
import { ALLOCATED } from '../../domain/session-states.js'
import type { ApiContext } from '../context.js'
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
      const sessions = await deps.store.listSessions({
        owner: user,
        portal: deps.portal.name,
        states: ALLOCATED,
      })
      const envs = new Map(
        (await deps.store.listEnvironments({ portal: deps.portal.name })).map((e) => [e.name, e]),
      )
      const now = deps.clock.now()
      return {
        user,
        sessions: sessions.flatMap((s) => {
          const e = envs.get(s.environment)
          return e ? [presentUserSession(s, e, now)] : []
        }),
      }
    },
  })
}
