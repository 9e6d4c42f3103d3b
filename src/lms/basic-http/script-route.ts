/**
 * `GET /labmanager/labgate.js`: the browser script an LMS page includes to open labs through the LMS's
 * gateway4labs plug-in (`labgate-script.ts`). Any page may load it (CORS `*`): it holds no secret and
 * talks only to the LMS that serves the page. Cached briefly, so a labgate upgrade reaches pages soon.
 */
import type { FastifyInstance } from 'fastify'
import { readLabgateScript } from './labgate-script.js'

/** The path labgate.js is served at. */
export const LABGATE_SCRIPT_ROUTE = '/labmanager/labgate.js'

/** Registers `GET` (and so `HEAD`) on {@link LABGATE_SCRIPT_ROUTE}; reads the file once, now (throws when it is missing). */
export function labgateScriptRoute(app: FastifyInstance): void {
  const body = readLabgateScript()
  app.get(LABGATE_SCRIPT_ROUTE, async (_req, reply) =>
    reply
      .header('cache-control', 'public, max-age=300')
      .header('x-content-type-options', 'nosniff')
      .header('access-control-allow-origin', '*')
      .type('text/javascript; charset=utf-8')
      .send(body),
  )
}
