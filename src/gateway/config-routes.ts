import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ApiContext } from '../api/context.js'
import { queryOne } from '../api/query.js'
import { sessionEnvironment } from '../broker/session-env.js'
import { hasEnded, isSafeName } from '../domain/index.js'
import { forbidden, notFound } from '../domain/errors.js'
import { instructionVariables } from '../instructions/variables.js'
import type { Environment, Session } from '../store/rows.js'
import { sessionUrl } from './session-url.js'
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
        return json(reply, sessionEnvironment(s, (await environmentOf(ctx, s)).settings, ctx.deps.secrets))
      case 'variables':
        return json(reply, await variablesOf(ctx, s))
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

/** Checks the token's shape, then the session, then the token itself; see {@link configRoutes}. */
async function authorizedSession(ctx: ApiContext, name: string, token: string | undefined): Promise<Session> {
  if (token === undefined || !TOKEN_SHAPE.test(token)) throw forbidden()
  const s = isSafeName(name) ? await ctx.deps.store.getSession(name) : null
  if (!s || s.portal !== ctx.deps.portal.name) throw notFound('Session does not exist')
  if (!ctx.deps.secrets.checkConfigPassword(s, token)) throw forbidden()
  if (hasEnded(s.state)) throw notFound('Session does not exist')
  return s
}

async function environmentOf(ctx: ApiContext, s: Session): Promise<Environment> {
  const env = await ctx.deps.store.getEnvironment(s.environment)
  if (!env) throw notFound('Session does not exist')
  return env
}

async function variablesOf(ctx: ApiContext, s: Session): Promise<Record<string, string>> {
  const { settings } = await environmentOf(ctx, s)
  return instructionVariables({
    sessionName: s.name,
    environmentName: s.environment,
    workshopName: s.workshop,
    portalName: s.portal,
    configPassword: ctx.deps.secrets.configPassword(s),
    sessionUrl: sessionUrl(ctx, s.name),
    params: s.params,
    workshopEnv: [...settings.workshop.env, ...settings.env],
  })
}

const json = (reply: FastifyReply, body: Record<string, string>) =>
  reply.type('application/json; charset=utf-8').send(JSON.stringify(body))

const text = (reply: FastifyReply, body: string) => reply.type('text/plain; charset=utf-8').send(body)
