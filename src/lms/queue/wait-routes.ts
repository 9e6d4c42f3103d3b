/**
 * The waiting page of a launch queued for a full lab, `GET /labmanager/wait/?w=<waiter>`, and the status
 * its script asks, `GET /labmanager/wait/status?w=<waiter>` (JSON: `{state: "waiting", position}`,
 * `{state: "served", location}` or `{state: "ended", message}`). Both are the asking that keeps the waiter
 * in the queue and serves it when its turn comes; the page answers a 303 to the lab once it is served.
 * The waiter's id is random and unguessable: it is what the launch answered to its learner.
 */
import type { FastifyInstance } from 'fastify'
import { messagePage } from '../../http/message-page.js'
import { serveWaiter, type ServeDeps } from './serve-waiter.js'
import { waitingPage } from './waiting-page.js'

/** Where the waiting page is. */
export const WAIT_PATH = '/labmanager/wait/'

/** The waiting page's path for waiter `id`. */
export const waitUrl = (id: string) => `${WAIT_PATH}?w=${encodeURIComponent(id)}`

const waiterOf = (query: unknown): string | null => {
  const w = (query as Record<string, unknown>).w
  return typeof w === 'string' && /^[A-Za-z0-9_-]{16,64}$/.test(w) ? w : null
}

/** Registers the page and its status. `deps` is read at each request (the portal URL may change). */
export function waitRoutes(app: FastifyInstance, deps: () => ServeDeps): void {
  app.get(WAIT_PATH, async (req, reply) => {
    const id = waiterOf(req.query)
    const s = id
      ? await serveWaiter(deps(), id)
      : { state: 'ended' as const, message: 'This link names no wait.' }
    if (s.state === 'served') return reply.header('cache-control', 'no-store').redirect(s.location, 303)
    if (s.state === 'ended') return messagePage(reply, 410, 'No longer waiting', s.message)
    return waitingPage(reply, {
      lab: s.lab,
      position: s.position,
      statusUrl: `${WAIT_PATH}status?w=${encodeURIComponent(id!)}`,
    })
  })
  app.get(`${WAIT_PATH}status`, async (req, reply) => {
    const id = waiterOf(req.query)
    const s = id
      ? await serveWaiter(deps(), id)
      : { state: 'ended' as const, message: 'This link names no wait.' }
    return reply.header('cache-control', 'no-store').send(s)
  })
}
