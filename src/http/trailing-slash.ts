import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify'

/** `url` (a path with an optional query) with `/` added to the end of its path, query kept. */
export function withTrailingSlash(url: string): string {
  const q = url.indexOf('?')
  return q < 0 ? `${url}/` : `${url.slice(0, q)}/${url.slice(q)}`
}

export interface SlashRedirect {
  /** The methods answered; GET (and HEAD) when absent. */
  methods?: HTTPMethods[]
  /** The redirect status for a method; 301 when absent. */
  status?: (method: string) => number
  /** Where to go; the request's URL with the slash added (query kept) when absent. */
  target?: (req: FastifyRequest) => string
}

/**
 * Answers `path` without its trailing slash with a redirect to the slashed route, as each route family
 * did before the kit: the Educates API for every method (301 for GET and HEAD, 308 otherwise, keeping the
 * body), the portal's pages for GET with 301.
 */
export function redirectToSlash(app: FastifyInstance, path: string, o: SlashRedirect = {}): void {
  if (!path.endsWith('/')) throw new Error(`redirectToSlash: ${path} does not end with /`)
  app.route({
    method: o.methods ?? 'GET',
    url: path.slice(0, -1),
    handler: async (req: FastifyRequest, reply: FastifyReply) =>
      reply.redirect(o.target?.(req) ?? withTrailingSlash(req.url), o.status?.(req.method) ?? 301),
  })
}

/** Educates' status for a redirect that adds the slash: 301 for GET and HEAD, 308 (keeps the body) else. */
export const educatesSlashStatus = (method: string): number =>
  method === 'GET' || method === 'HEAD' ? 301 : 308
