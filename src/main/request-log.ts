/**
 * Operators' view of HTTP traffic: every request gets an id (a well-formed incoming `X-Request-Id`, else a
 * new one), echoed in the response's `X-Request-Id`; once the response has gone, one log line says who
 * asked (a user id or client id when known), which route (Fastify's pattern, never the raw URL with its
 * query), the method, the status and how long it took; 503 responses are counted by route.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { notedActor } from '../http/request-actor.js'
import type { Metrics } from '../metrics.js'
import type { Logger } from './logger.js'

/** An incoming request id labgate keeps: 1 to 128 letters, digits, `.`, `_`, `:` or `-`. */
export const REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/

/** Routes logged at debug rather than info: probes and scrapes that come every few seconds. */
const QUIET_ROUTES = new Set(['/healthz', '/metrics'])

/** The route label of a request that matched no route (a 404 for an unknown path). */
const UNMATCHED = '(unmatched)'

const ids = new WeakMap<FastifyRequest, string>()

/**
 * Adds the hooks that give requests their id, log them and count 503s. Register it before any other
 * `onRequest` hook, so that answers those hooks give carry the id and are logged too.
 */
export function observeRequests(app: FastifyInstance, o: { logger: Logger; metrics: Metrics }): void {
  app.addHook('onRequest', async (req, reply) => {
    const incoming = req.headers['x-request-id']
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID()
    ids.set(req, id)
    void reply.header('x-request-id', id)
  })
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? UNMATCHED
    const status = reply.statusCode
    if (status === 503) o.metrics.unavailable(route)
    const level = status >= 500 ? 'warn' : QUIET_ROUTES.has(route) ? 'debug' : 'info'
    if (!o.logger.enabled(level)) return
    o.logger[level]('request', {
      requestId: ids.get(req) ?? null,
      actor: notedActor(req) ?? basicAuthUser(req.headers.authorization) ?? null,
      method: req.method,
      route,
      status,
      ms: Math.round(reply.elapsedTime * 100) / 100,
    })
  })
}

/**
 * The user name of an HTTP Basic `Authorization` header (a client id, for OAuth clients), never its
 * password; undefined for any other header or a malformed one.
 */
export function basicAuthUser(header: string | undefined): string | undefined {
  const m = header !== undefined ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null
  if (!m) return undefined
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon <= 0) return undefined
  const user = decoded.slice(0, colon)
  // Form-encoded, as RFC 6749 has clients encode their id; an undecodable one is kept as sent.
  try {
    return decodeURIComponent(user.replace(/\+/g, ' '))
  } catch {
    return user
  }
}
