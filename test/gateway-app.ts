/**
 * A small Fastify app around gateway route modules, built on a running harness's store and broker, with
 * its own `Authenticator` over the same database (so it honours the harness's tokens), for testing routes
 * that the server does not wire yet. Same body handling and error rendering as the real server.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import type { ApiContext } from '../src/http/context.js'
import { errorHandler } from '../src/http/errors.js'
import { GATEWAY_COOKIE } from '../src/gateway/access.js'
import { SessionClients } from '../src/gateway/session-client.js'
import { setUpAuth } from '../src/main/auth-setup.js'
import type { Harness } from './harness.js'

export interface GatewayApp {
  app: FastifyInstance
  ctx: ApiContext
  /** `http://127.0.0.1:<port>` of this app. */
  url: string
  /** A `Cookie` header value holding `userId`'s gateway credential for `session`. */
  cookieFor(userId: string, session: string): Promise<string>
  close(): Promise<void>
}

/** Builds and starts the app; `register` adds the routes under test (it may be async). */
export async function startGatewayApp(
  h: Harness,
  register: (app: FastifyInstance, ctx: ApiContext) => void | Promise<void>,
  o: { portalUrl?: string } = {},
): Promise<GatewayApp> {
  const deps = h.lg.deps
  const key = Buffer.from((await deps.store.getSetting('server.key'))!, 'base64')
  const auth = await setUpAuth({
    auth: h.lg.db.auth,
    clock: deps.clock,
    key,
    portal: deps.portal,
  })
  const clients = new SessionClients({ auth: h.lg.db.auth, clock: deps.clock })
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, routerOptions: { maxParamLength: 300 } })
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body))
  app.setErrorHandler(errorHandler(() => {}))
  const ctx: ApiContext = {
    deps,
    auth: auth.authenticator,
    portalUrl: o.portalUrl ?? h.url,
    bodyLimit: 64 * 1024,
  }
  await register(app, ctx)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  return {
    app,
    ctx,
    url,
    async cookieFor(userId, session) {
      // What the dashboard's code flow ends with: an access token of the session's own client.
      const clientId = await clients.ensure(
        session,
        `${ctx.portalUrl}/sessions/${session}/_labgate/oauth_callback`,
      )
      const key = await auth.grants.openSignIn({ userId, clientId, authnEvent: { method: 'test' } })
      const { grant } = await auth.grants.addGrant(key, { scope: ['session'] })
      const access = await auth.grants.mintToken(grant.id, 'access_token', { expiresIn: 3600 })
      return `${GATEWAY_COOKIE}=${encodeURIComponent(access.value)}`
    },
    async close() {
      await app.close()
      auth.close()
    },
  }
}

/** Requests a session of `environment` for `user` through the robot API; returns its name. */
export async function requestSession(
  h: Harness,
  environment: string,
  user: string,
  /** More query parameters, e.g. `&timeout=0` (activation window: the workshop's expiry). */
  extra = '',
): Promise<string> {
  const res = await fetch(
    `${h.url}/workshops/environment/${environment}/request/?index_url=https://hub.test/&user=${user}${extra}`,
    { headers: { authorization: `Bearer ${await h.token()}` } },
  )
  if (res.status !== 200) throw new Error(`request: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { name: string }).name
}
