import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { activateSession } from '../../broker/activate-session.js'
import { loadSessionFor } from '../../broker/load-session.js'
import {
  extendSession,
  recordClientEvent,
  sessionSchedule,
  terminateSession,
} from '../../broker/session-ops.js'
import { badRequest, notFound } from '../../domain/errors.js'
import { parseJsonBody, readBodyText } from '../../http/body.js'
import { canonicalRedirect } from '../../http/canonical-host.js'
import type { ApiContext } from '../../http/context.js'
import type { DashboardSignInAtOnce } from '../../http/dashboard-sign-in.js'
import { checkIndexUrl, sessionDeletedUrl } from '../../http/index-url.js'
import { iso, presentSchedule } from '../../http/present-schedule.js'
import { sessionUrl } from '../../http/session-url.js'
import { sessionSignIn } from '../../http/sign-in-cookie.js'
import type { Environment, Session } from '../../store/rows.js'
import { JSON_TYPE } from '../../http/openapi/operation.js'
import { parseWith } from '../../http/validate.js'
import { educatesErrors } from '../endpoint-errors.js'
import { endpoint, type EndpointDoc, type EndpointSpec } from '../endpoint.js'
import {
  ExtendedWire,
  nameParam,
  ScheduleWire,
  SessionAuthorizeWire,
  SessionConfigWire,
  TerminatedWire,
} from './wire.js'

const PREFIXES = ['/workshops/session', '/session']

const sessionParams = z.object({ name: nameParam.describe('the session') })
const sessionName = (params: unknown): string => parseWith(sessionParams, params).name

/** A session operation's document: its path parameter, 404 for an unknown session, the 200's shape. */
const sessionDoc = (summary: string, ok: z.ZodTypeAny, more: Partial<EndpointDoc> = {}): EndpointDoc => ({
  summary,
  params: sessionParams,
  ...more,
  responses: {
    200: { description: summary, content: { [JSON_TYPE]: ok } },
    ...educatesErrors(404),
    ...more.responses,
  },
})

const activateDoc = {
  summary: "Activate a session: sign its user in and go to the session's dashboard",
  params: sessionParams,
  query: z.object({ token: z.string().optional().describe('the single-use activation token') }),
  responses: {
    302: {
      description:
        "To the session's dashboard (with a sign-in cookie), to the portal's canonical host, or, when the " +
        'session has ended, to its index URL',
      headers: { Location: 'where to go' },
    },
    ...educatesErrors(400, 404),
  },
} satisfies EndpointDoc

/**
 * The session endpoints (`schedule`, `extend`, `terminate`, `config`, `authorize`, `event`) under both
 * `/workshops/session/<name>/` and the seed's `/session/<name>/`, and activation. Owner, staff and
 * robots only; a stopped or unknown session is 404.
 */
export function sessionRoutes(
  app: FastifyInstance,
  ctx: ApiContext,
  dashboards?: DashboardSignInAtOnce,
): void {
  const { deps } = ctx
  const op = (
    suffix: string,
    spec: Omit<EndpointSpec, 'paths' | 'access' | 'handler'> & { run: EndpointSpec['handler'] },
  ) =>
    endpoint(app, ctx, {
      ...spec,
      paths: PREFIXES.map((p) => `${p}/:name/${suffix}/`),
      access: 'user',
      handler: spec.run,
    })
  const load = (params: unknown, actor: Parameters<typeof loadSessionFor>[2]) =>
    loadSessionFor(deps, sessionName(params), actor)

  op('schedule', {
    methods: ['GET'],
    doc: sessionDoc("The session's schedule", ScheduleWire),
    run: async (req, _r, actor): Promise<z.infer<typeof ScheduleWire>> =>
      presentSchedule(await sessionSchedule(deps, await load(req.params, actor))),
  })

  op('extend', {
    methods: ['GET', 'POST'],
    changesState: true,
    doc: sessionDoc('Extend the session when its rules allow', ExtendedWire, {
      description: 'A refusal is not an error: `extended` says whether it was extended.',
      responses: educatesErrors(409),
    }),
    run: async (req, _r, actor): Promise<z.infer<typeof ExtendedWire>> =>
      presentSchedule(await extendSession(deps, await load(req.params, actor))),
  })

  op('terminate', {
    methods: ['GET', 'POST'],
    changesState: true,
    doc: sessionDoc('Terminate the session (idempotent)', TerminatedWire),
    run: async (req, _r, actor): Promise<z.infer<typeof TerminatedWire>> => {
      const t = await terminateSession(deps, await load(req.params, actor))
      return { started: iso(t.started), expires: iso(t.expires) }
    },
  })

  // `url` is the session's own base URL, where `config/<type>?token=<password>` is served.
  op('config', {
    methods: ['GET'],
    doc: sessionDoc("Where the session's configuration is served, and its password", SessionConfigWire),
    run: async (req, _r, actor): Promise<z.infer<typeof SessionConfigWire>> => {
      const s = await load(req.params, actor)
      return { url: sessionUrl(ctx, s.name), password: deps.secrets.configPassword(s) }
    },
  })

  op('authorize', {
    methods: ['GET'],
    doc: sessionDoc('Whether the caller may use the session, and as whom', SessionAuthorizeWire),
    run: async (req, _r, actor): Promise<z.infer<typeof SessionAuthorizeWire>> => {
      const s = await load(req.params, actor)
      return { owner: s.owner, user: actor!.userId, staff: actor!.kind === 'staff' }
    },
  })

  op('event', {
    methods: ['POST'],
    changesState: true,
    doc: sessionDoc('Record an event of the workshop (analytics)', z.object({}).strict(), {
      body: {
        // The use case checks the event with its own messages; this states the shape it accepts.
        schema: z.object({
          event: z.object({ name: z.string().min(1).max(200), data: z.record(z.unknown()).optional() }),
        }),
        required: true,
        types: [JSON_TYPE],
      },
      responses: educatesErrors(400, 429),
    }),
    run: async (req, reply, actor) => {
      const s = await load(req.params, actor)
      await recordClientEvent(deps, s, parseJsonBody(await readBodyText(req, ctx.bodyLimit)))
      return reply.status(200).send({})
    },
  })

  endpoint(app, ctx, {
    paths: ['/workshops/session/:name/activate/'],
    methods: ['GET'],
    access: 'public',
    doc: activateDoc,
    handler: async (req, reply, actor) => {
      // The sign-in cookies this sets must be on the portal's own host, where the dashboard's sign-in
      // looks for them: a browser that came by another name for it goes there first (token unused).
      const canonical = canonicalRedirect(req, ctx.portalUrl)
      if (canonical) return reply.redirect(canonical, 302)
      const name = sessionName(req.params)
      const token = parseWith(activateDoc.query, req.query).token
      if (!token) throw badRequest('Missing activation token')
      // The owner's portal sign-in is made beside a new activation, in the same commit; where the portal
      // can set the dashboard's cookie too, so is the dashboard's sign-in, and the browser goes straight
      // there instead of through the portal's session page.
      const straightToDashboard = async (s: Session, env: Environment | null) =>
        dashboards !== undefined &&
        // A remote lab's session has no dashboard: its portal page sends the browser to the lab system.
        !env?.settings.workshop.remote &&
        (await dashboards.readyAtOnce(req, s.name))
      const signIn = async (s: Session, env: Environment | null) =>
        sessionSignIn(ctx.auth, {
          userId: s.owner!,
          expiresAt: s.expiresAt,
          now: deps.clock.now(),
          portalUrl: ctx.portalUrl,
          ...((await straightToDashboard(s, env)) ? { dashboard: s.name } : {}),
        })
      const result = await activateSession(deps, name, token, actor?.userId ?? null, {
        run: async (s, env) => (actor?.userId === s.owner ? null : signIn(s, env)),
        undo: async (made) => {
          if (made) await ctx.auth.browserLogout(made.value)
        },
      })
      const s = result.session
      if (result.kind === 'ended') {
        // Only the URL stored with the session (or the portal's): never one from the query.
        const deleted = sessionDeletedUrl(safeIndex(ctx, s.indexUrl ?? deps.portal.index))
        if (deleted) return reply.redirect(deleted, 302)
        throw notFound('This session has ended')
      }
      if (actor?.userId !== s.owner) {
        // Made beside the activation (an activation by another browser than the owner's is always new).
        const made = result.alongside ?? (await signIn(s, await deps.store.getEnvironment(s.environment)))
        if (made.dashboard && dashboards) {
          const d = dashboards.dashboardCookie(req, s.name, made.dashboard.value, made.dashboard.ttl)
          void reply.header('set-cookie', [made.cookie, d.cookie]).header('cache-control', 'no-store')
          return reply.redirect(d.path, 302)
        }
        void reply.header('set-cookie', made.cookie)
      }
      return reply.redirect(`/workshops/session/${s.name}/`, 302)
    },
  })
}

function safeIndex(ctx: ApiContext, raw: string | undefined | null): string | null {
  if (!raw) return null
  try {
    return checkIndexUrl(raw, ctx.deps.portal.labgate.allowedIndexOrigins, new URL(ctx.portalUrl).origin)
  } catch {
    return null
  }
}
