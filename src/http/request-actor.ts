import type { FastifyRequest } from 'fastify'

/**
 * Who a request turned out to be from, kept for the request's log line: routes learn it while they run
 * (`actorOf`), the log is written once the response has gone.
 */
const actors = new WeakMap<FastifyRequest, string>()

/** Records that `req` is from user `userId` (the last call wins). */
export function noteActor(req: FastifyRequest, userId: string): void {
  actors.set(req, userId)
}

/** The user `req` was found to be from, if a route looked. */
export function notedActor(req: FastifyRequest): string | undefined {
  return actors.get(req)
}
