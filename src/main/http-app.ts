import cors from '@fastify/cors'
import Fastify, { type FastifyInstance } from 'fastify'
import type { ApiContext } from '../http/context.js'
import { catalogRoutes } from '../api/educates/catalog-routes.js'
import { environmentRoutes } from '../api/educates/environment-routes.js'
import type { PortalInfo } from '../api/educates/present.js'
import { sessionRoutes } from '../api/educates/session-routes.js'
import { userRoutes } from '../api/educates/user-routes.js'
import { errorHandler } from '../http/errors.js'
import type { SessionSignIn } from '../gateway/sign-in.js'
import type { TrustProxy } from './trust-proxy.js'
import { rewriteHosts } from '../gateway/job-host.js'
import { dashboardRoutes, type OnView } from '../web/dashboard/dashboard-routes.js'
import type { Metrics } from '../metrics.js'
import type { Logger } from './logger.js'
import { observeRequests } from './request-log.js'
import { attachApiRegistry } from '../http/openapi/registry.js'
import { openApiRoute } from '../http/openapi/route.js'
import { LABGATE_VERSION } from './version.js'

export interface HttpAppOptions {
  ctx: ApiContext
  portalInfo: () => PortalInfo
  /** Extra route modules (OAuth2 endpoints), registered after the core ones. */
  plugins: ((app: FastifyInstance) => void)[]
  /** False until start-up has finished: every route but `/healthz` answers 503 meanwhile. */
  isReady: () => boolean
  log: (msg: string) => void
  /** Called when a learner loads a session's dashboard (activity). */
  onView?: OnView
  /** The dashboards' sign-in (OAuth code flow against the portal); without it they refuse browsers. */
  signIn?: SessionSignIn
  /** Whose `X-Forwarded-For` sets `req.ip` (see `parseTrustProxy`); default: nobody's. */
  trustProxy?: TrustProxy
  /** Request ids, one log line per request and 503 counts (`observeRequests`); absent: none. */
  observe?: { logger: Logger; metrics: Metrics }
}

/**
 * Builds the Fastify app: CORS open to every origin on the API (no credentials), bodies kept as text for
 * the handlers to parse (JSON or form), Educates' routes, the session page and `/healthz`.
 */
export async function buildHttpApp(o: HttpAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: o.ctx.bodyLimit,
    routerOptions: { maxParamLength: 300 },
    return503OnClosing: true,
    forceCloseConnections: true,
    // A hop count n trusts the nearest n proxies (as proxy-addr counts them).
    trustProxy: typeof o.trustProxy === 'number' ? trustHops(o.trustProxy) : (o.trustProxy ?? false),
    // Host routing: `<session>.<domain>/x` is served as `/sessions/<session>/x`, `job-<id>.<domain>/x` as
    // `/passthrough/<id>/x`.
    rewriteUrl: (req) => rewriteHosts(o.ctx.deps.portal.labgate, req.headers.host, req.url ?? '/'),
  })
  if (o.observe) observeRequests(app, o.observe)
  // Before any route: the registry sees every route, and the API's operations are declared into it.
  attachApiRegistry(app)
  await app.register(cors, {
    origin: '*',
    methods: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'],
  })
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body))
  // Uploads are streamed by their handler (`req.raw`), never read whole here.
  app.addContentTypeParser('multipart/form-data', (_req, _payload, done) => done(null))
  app.setErrorHandler(errorHandler(o.log))
  app.setNotFoundHandler((_req, reply) =>
    reply.status(404).type('text/plain; charset=utf-8').send('Not found'),
  )

  app.addHook('onRequest', async (req, reply) => {
    if (!o.isReady() && req.url !== '/healthz') {
      return reply.status(503).type('application/json; charset=utf-8').send({ error: 'labgate is starting' })
    }
  })
  app.get('/healthz', async (_req, reply) =>
    o.isReady() ? { status: 'ok' } : reply.status(503).send({ status: 'starting' }),
  )

  openApiRoute(app, { version: LABGATE_VERSION, serverUrl: () => o.ctx.portalUrl })
  catalogRoutes(app, o.ctx, o.portalInfo)
  environmentRoutes(app, o.ctx)
  sessionRoutes(app, o.ctx, o.signIn)
  userRoutes(app, o.ctx)
  o.signIn?.routes(app)
  dashboardRoutes(app, o.ctx, o.onView, o.signIn)
  for (const plugin of o.plugins) plugin(app)
  return app
}

const trustHops =
  (n: number) =>
  (_address: string, hop: number): boolean =>
    hop < n
