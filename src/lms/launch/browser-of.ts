import type { FastifyRequest } from 'fastify'
import type { LabLaunch } from './launch-lab.js'

/**
 * The learner's browser as a launch request shows it: its `User-Agent`, its address (Fastify's `req.ip`,
 * which follows the proxies labgate trusts) and its `Referer`, each only when present.
 */
export function browserOf(req: FastifyRequest): NonNullable<LabLaunch['browser']> {
  const ua = req.headers['user-agent']
  const referer = req.headers.referer
  return {
    ...(ua ? { userAgent: ua } : {}),
    ...(req.ip ? { ip: req.ip } : {}),
    ...(referer ? { referer } : {}),
  }
}
