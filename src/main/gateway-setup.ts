import type { IncomingMessage } from 'node:http'
import { join } from 'node:path'
import type { Duplex } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import type { ApiContext } from '../http/context.js'
import { canExec, type SessionBackend } from '../backends/backend.js'
import { sessionEnvironment } from '../broker/session-env.js'
import { holdsSandbox } from '../broker/session-runner.js'
import { gatewayAccess } from '../gateway/access.js'
import { ActivityTracker } from '../gateway/activity.js'
import { activityRoutes } from '../gateway/activity-routes.js'
import { AppProxy } from '../gateway/app-proxy.js'
import { rejectUpgrade } from '../http/upgrade-reply.js'
import { appRoutes, appUpgradeHandler } from '../gateway/app-routes.js'
import { configRoutes } from '../gateway/config-routes.js'
import { originMayUseSession } from '../gateway/session-host.js'
import { rewriteHosts } from '../gateway/job-host.js'
import { isUpgradeClaimed } from '../gateway/upgrade-claims.js'
import { SessionSshKeys } from '../gateway/ssh-keys.js'
import { attachTerminalSockets } from '../terminals/terminal-socket.js'
import { TerminalManager } from '../terminals/terminal-manager.js'
import type { Session } from '../store/rows.js'

/** The message terminals show when their session ends. */
export const SESSION_ENDED = 'This session has ended.'

const TERMINAL_PATH = /^\/sessions\/[^/?#]+\/terminal\/[^/?#]+$/

/**
 * The session gateway's parts: config endpoints and SSH keys, activity tracking, the proxy to web apps in
 * sandboxes (through the backend's `connect`), and terminals (when the backend implements `exec`).
 * `routes` goes into the HTTP app's plugins; `attach` wires the WebSocket upgrades once the app is built;
 * stopping a session closes its terminals first (the backend's `stop` takes what `connect` set up).
 */
export function setUpGateway(ctx: ApiContext, backend: SessionBackend, dataDir: string) {
  const { deps } = ctx
  const activity = new ActivityTracker({ store: deps.store, clock: deps.clock, log: deps.log })
  const sshKeys = new SessionSshKeys({ keysDir: (s) => join(dataDir, 'sessions', s, 'ssh') })
  const appProxy = new AppProxy({ backend, log: deps.log })
  const terminals = canExec(backend)
    ? new TerminalManager({
        backend,
        log: deps.log,
        onActivity: (session) => activity.touch(session, 'keystroke'),
      })
    : null
  // A session's first terminal starts ahead of the learner: a reserve's with its sandbox (whoever takes it
  // finds a prompt waiting), and a session started on request once it is both up and activated (its
  // learner's browser is on the way to the dashboard). Sessions nobody has activated get no shell: a burst
  // of API requests would otherwise start as many shells as sandboxes.
  const startFirstTerminal = (s: Session) => {
    const handle = s.handle
    // another replica's sandbox: that replica starts its terminal
    if (!terminals || !handle || !holdsSandbox(deps, s)) return
    void deps.store.getEnvironment(s.environment).then(
      (env) =>
        env && terminals.prestart(s.name, '1', handle, sessionEnvironment(s, env.settings, deps.secrets)),
      (err: Error) => deps.log(`session ${s.name}: could not start its terminal ahead: ${err.message}`),
    )
  }
  deps.runner.onStarted((s) => {
    if (!s.owner || s.activatedAt !== null) startFirstTerminal(s)
  })
  deps.events.onPublished((e) => {
    if (e.name !== 'Session/Started' || !e.session || !terminals) return
    void deps.store.getSession(e.session).then(
      (s) => s?.state === 'RUNNING' && startFirstTerminal(s),
      (err: Error) => deps.log(`session ${e.session}: could not start its terminal ahead: ${err.message}`),
    )
  })
  deps.runner.onBeforeStop(async (s) => {
    await terminals?.closeSession(s.name, SESSION_ENDED)
  })
  const rewrite = (req: IncomingMessage) =>
    rewriteHosts(deps.portal.labgate, req.headers.host, req.url ?? '/')
  let detach = () => {}

  return {
    /** Registers the gateway's HTTP routes. */
    routes: (app: FastifyInstance) => {
      configRoutes(app, ctx, { sshKeys })
      activityRoutes(app, ctx, activity)
      appRoutes(app, ctx, appProxy)
    },
    /** The path `req` asks for once host routing has applied (session and job hosts to paths). */
    sessionPath: (req: IncomingMessage) => new URL(rewrite(req), 'http://x').pathname,
    /** How many terminals are open now (0 when the backend has none). */
    terminalsOpen: () => terminals?.open ?? 0,
    /** A dashboard load counts as a page view. */
    onView: (s: Session) => activity.touch(s.name, 'view'),
    /** Handles WebSocket upgrades: terminals, apps; anything else under /sessions/ is refused with 404. */
    attach: (app: FastifyInstance) => {
      const onApp = appUpgradeHandler(ctx, appProxy)
      const sockets = terminals
        ? attachTerminalSockets(app.server, {
            terminals,
            log: deps.log,
            rewriteUrl: rewrite,
            originAllowed: (req, session) => originMayUseSession(ctx, session, req.headers),
            authorize: async (req, session) => {
              const { session: s } = await gatewayAccess(ctx, req.headers, session)
              if (s.state !== 'RUNNING' || !s.handle) return null
              const env = await deps.store.getEnvironment(s.environment)
              return {
                sessionRow: s,
                env: env ? sessionEnvironment(s, env.settings, deps.secrets) : s.params,
              }
            },
          })
        : null
      const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        // taken by a listener that ran before this one (a job's web UI)
        if (isUpgradeClaimed(req)) return
        if (onApp(req, socket, head)) return
        const path = new URL(rewrite(req), 'http://x').pathname
        if (sockets && TERMINAL_PATH.test(path)) return
        rejectUpgrade(socket, 404, 'Not found')
      }
      app.server.on('upgrade', onUpgrade)
      detach = () => {
        app.server.off('upgrade', onUpgrade)
        sockets?.close()
      }
    },
    close: async () => {
      await terminals?.closeAll()
      detach()
      await appProxy.close()
      await activity.close()
    },
  }
}
