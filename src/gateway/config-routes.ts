import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { environmentOf } from '../broker/environment-lookup.js'
import { loadSession } from '../broker/load-session.js'
import { sessionEnvironment } from '../broker/session-env.js'
import { forbidden, notFound } from '../domain/errors.js'
import { HOLDS_CAPACITY } from '../domain/session-states.js'
import { sessionVariables } from '../domain/session-variables.js'
import type { ApiContext } from '../http/context.js'
import { queryOne } from '../http/query.js'
import { sessionUrl } from '../http/session-url.js'
import type { Environment, Session } from '../store/rows.js'
import type { SessionSshKeys } from './ssh-keys.js'

/** The config types a session serves, in Educates' names. */
export const CONFIG_TYPES = ['environment', 'variables', 'kubeconfig', 'id_rsa', 'id_rsa.pub'] as const

/** What `kubeconfig` answers: the local backend runs no cluster. */
export const NO_KUBECONFIG = 'This session has no Kubernetes cluster (the local backend runs no cluster)'

/** Any config password labgate issues has this shape; anything else is refused before the store is read. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{16,128}$/

/**
 * The session config endpoints, `GET /sessions/<name>/config/<type>?token=<config password>` and the same
 * under `/sessions/<name>/workshop/config/<type>` (where Educates' seed fetches them): `environment` and
 * `variables` as JSON objects, `id_rsa` and `id_rsa.pub` as text, `kubeconfig` a 404 saying there is no
 * cluster. The `token` query parameter is the only credential (compared in constant time); a missing,
 * malformed or wrong token is a bare 403, an unknown, stopping or stopped session a 404, an unknown type a
 * 404 that lists the known ones. Answers are never cached.
 */
export function configRoutes(app: FastifyInstance, ctx: ApiContext, o: { sshKeys: SessionSshKeys }): void {
  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const { name, type } = req.params as { name: string; type: string }
    const s = await authorizedSession(ctx, name, queryOne(req, 'token'))
    void reply.header('cache-control', 'no-store')
    switch (type) {
      case 'environment':
        return json(
          reply,
          sessionEnvironment(s, (await requireEnvironment(ctx, s)).settings, ctx.deps.secrets),
        )
      case 'variables': {
        const { settings } = await requireEnvironment(ctx, s)
        const password = ctx.deps.secrets.configPassword(s)
        return json(reply, sessionVariables(s, settings, password, sessionUrl(ctx, s.name)))
      }
      case 'kubeconfig':
        throw notFound(NO_KUBECONFIG)
      case 'id_rsa':
        return text(reply, (await o.sshKeys.get(s.name)).privateKey)
      case 'id_rsa.pub':
        return text(reply, `${(await o.sshKeys.get(s.name)).publicKey}\n`)
      default:
        throw notFound(`Unknown config type; known types: ${CONFIG_TYPES.join(', ')}`)
    }
  }
  app.get('/sessions/:name/config/:type', handler)
  app.get('/sessions/:name/workshop/config/:type', handler)
}

/**
 * Checks the token's shape, then that the session exists here, then the token itself, then that the
 * session still holds its place (a stopping session's config is gone); see {@link configRoutes}.
 */
async function authorizedSession(ctx: ApiContext, name: string, token: string | undefined): Promise<Session> {
  if (token === undefined || !TOKEN_SHAPE.test(token)) throw forbidden()
  const s = await loadSession(ctx.deps, name)
  if (!s) throw notFound('Session does not exist')
  if (!ctx.deps.secrets.checkConfigPassword(s, token)) throw forbidden()
  if (!HOLDS_CAPACITY.includes(s.state)) throw notFound('Session does not exist')
  return s
}

async function requireEnvironment(ctx: ApiContext, s: Session): Promise<Environment> {
  const env = await environmentOf(ctx.deps, s)
  if (!env) throw notFound('Session does not exist')
  return env
}

const json = (reply: FastifyReply, body: Record<string, string>) =>
  reply.type('application/json; charset=utf-8').send(JSON.stringify(body))

const text = (reply: FastifyReply, body: string) => reply.type('text/plain; charset=utf-8').send(body)
