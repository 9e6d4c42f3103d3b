/**
 * `GET /metrics`: the Prometheus text exposition of one labgate's registry. Open by default, as exporters
 * usually are; with a scrape token it answers only `Authorization: Bearer <token>` (compared in constant
 * time) and 401 otherwise. docs/operations.md weighs the two.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { bearerToken } from '../http/bearer.js'
import type { PrometheusMetrics } from './prometheus-metrics.js'

/** Registers `GET /metrics` on `app`; with `token` set, scrapers must present it as a bearer token. */
export function metricsRoute(app: FastifyInstance, metrics: PrometheusMetrics, token?: string): void {
  const expected = token ? digest(token) : null
  app.get('/metrics', async (req, reply) => {
    if (expected) {
      const presented = bearerToken(req.headers.authorization)
      if (!presented || !timingSafeEqual(digest(presented), expected)) {
        return reply
          .status(401)
          .header('www-authenticate', 'Bearer realm="labgate metrics"')
          .type('text/plain; charset=utf-8')
          .send(
            presented
              ? 'The metrics scrape token is wrong.\n'
              : 'Metrics need the scrape token: send "Authorization: Bearer <token>".\n',
          )
      }
    }
    const text = await metrics.scrape()
    return reply.header('cache-control', 'no-store').type(metrics.contentType).send(text)
  })
}

/** Equal-length digests, so that comparing them takes the same time whatever was presented. */
function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest()
}
