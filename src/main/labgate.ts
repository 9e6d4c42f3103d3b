import { randomBytes, randomInt, randomUUID } from 'node:crypto'
import { join, resolve } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { SessionBackend } from '../backends/backend.js'
import { plannedSessions } from '../backends/host-capacity.js'
import { makeBackend } from '../backends/make-backend.js'
import { withPlacements } from '../backends/with-placements.js'
import { withRemoteLabs } from '../backends/with-remote-labs.js'
import type { BrokerDeps } from '../broker/deps.js'
import { syncEnvironments } from '../broker/environments.js'
import { defaultWorkspaceMount } from '../broker/workspaces/default-workspace.js'
import type { WorkspaceDeps } from '../broker/workspaces/deps.js'
import { composeBroker } from './compose-broker.js'
import { SessionSecrets } from '../broker/session-secrets.js'
import { loadConfig } from '../config/load-config.js'
import type { LoadedConfig } from '../config/types.js'
import { systemClock, type Clock } from '../domain/clock.js'
import { EventBus } from '../events/event-bus.js'
import { WebhookSender } from '../events/webhooks.js'
import type { Reconciler } from '../reconciler/reconciler.js'
import { openStore, type OpenStore } from '../store/open-store.js'
import { parseDatabaseUrl, redactDatabaseUrl } from './database-url.js'
import type { Store } from '../store/store.js'
import { buildHttpApp } from './http-app.js'
import { restrictDataDir } from './data-dir.js'
import type { TrustProxy } from './trust-proxy.js'
import { setUpGateway } from './gateway-setup.js'
import { asFirstWriterOrReader } from './first-writer.js'
import { defaultReplicaAddress, setUpReplicas, type ReplicaTimings } from './replicas-setup.js'
import { setUpAuth, type RobotCredentials } from './auth-setup.js'
import { setUpSlurm } from './slurm-setup.js'
import { setUpWorkspaces } from './workspaces-setup.js'
import { warnOfWorkspaceMounts } from './workspace-mounts.js'
import { liveJobSandboxes } from '../broker/workspaces/jobs/live-sandboxes.js'
import { setUpOAuthServer } from '../oauth/routes.js'
import { SignInLimiter } from '../auth/sign-in-limits.js'
import { SecretGate } from '../auth/secret-gate.js'
import { firstPartySignIn } from '../broker/first-party.js'
import type { PortalInfo } from '../api/educates/present.js'
import { setUpPeople } from '../web/portal/people-routes.js'
import { catalogRoutes } from '../web/portal/catalog-routes.js'
import { accessCodeRoutes } from '../web/portal/access-code.js'
import { myWorkspacesRoutes } from '../web/portal/workspaces-routes.js'
import { adminRoutes } from '../web/admin/admin-routes.js'
import { adminApiRoutes } from '../api/admin/admin-api-routes.js'
import { adminClientRegistry } from './admin-clients.js'
import { setUpLms } from '../lms/setup-lms.js'
import { startNoncePurge } from './nonce-purge.js'
import { setUpGradePassback } from './grade-passback.js'
import { SessionClients, sessionOfClient } from '../gateway/session-client.js'
import { SessionSignIn } from '../gateway/sign-in.js'
import { createLogger, logFunction, type Logger } from './logger.js'
import { PrometheusMetrics } from './prometheus-metrics.js'
import { metricsRoute } from './metrics-route.js'

export interface LabgateOptions {
  /** A TrainingPortal/Workshop YAML file or directory, or an already loaded config. */
  config: string | LoadedConfig
  /** Data directory: `labgate.db` (unless `database` is given) and the sandboxes' files live here. */
  data: string
  /**
   * A PostgreSQL connection string (`postgres://…`, checked with `parseDatabaseUrl`): the store lives there
   * instead of in `<data>/labgate.db`, migrated on start-up (once, when replicas start together).
   */
  database?: string
  port: number
  host?: string
  /** The portal's public URL; default `http://<host>:<port>`. */
  publicUrl?: string
  /** Overrides the backend the portal names (tests). */
  backend?: SessionBackend
  clock?: Clock
  log?: (msg: string) => void
  /**
   * Where log lines go, at their levels (request lines included); default: text on stdout/stderr, or
   * text lines handed to `log` when only that is given. `log` defaults to this logger.
   */
  logger?: Logger
  /** When set, `GET /metrics` answers only `Authorization: Bearer <this token>`; default: open. */
  metricsToken?: string
  /**
   * Local backend: raise the kernel's limits (and labgate's open-files limit) that are too low for the
   * sessions the portal may run, before starting (root only; `serve --tune-kernel`).
   */
  tuneKernel?: boolean
  /** Mean interval between reconciler passes, ms. */
  reconcileIntervalMs?: number
  bodyLimit?: number
  /** The budget of password hashing (tests inject one to count or tighten it). */
  secretGate?: SecretGate
  /**
   * Which proxies' `X-Forwarded-For` to believe for the client address (Fastify's `trustProxy`): off by
   * default, so the address is the TCP peer's.
   */
  trustProxy?: TrustProxy
  /**
   * Where the other replicas on the same PostgreSQL database reach this one (`http://host:port`), to
   * relay requests for the sessions it holds; default `http://<host>:<port>` (this host's name when
   * listening on every address). Unused on SQLite, which has one process.
   */
  replicaAddress?: string
  /** Heartbeat interval and replica timeout (tests shorten them). */
  replicaTimings?: ReplicaTimings
}

/** A running labgate: its HTTP app, its parts (for tests and the CLI), and how to stop it. */
export interface Labgate {
  app: FastifyInstance
  deps: BrokerDeps
  reconciler: Reconciler
  /** The open database: both store ports. */
  db: OpenStore
  url: string
  robot: RobotCredentials
  /** The admin generated on this start (no staff user existed): its only plain-text password. */
  generatedAdmin: { username: string; password: string } | null
  config: LoadedConfig
  /** Stops serving and reconciling and closes the store; sandboxes keep running for the next start. */
  close(): Promise<void>
}

/**
 * Starts labgate: loads the definitions, opens and migrates the store, provisions the robot, listens,
 * then runs the reconciler's start-up pass (re-adopting sandboxes) and marks itself ready. Throws a
 * `ConfigError` for bad definitions, before anything is written.
 */
export async function startLabgate(o: LabgateOptions): Promise<Labgate> {
  const logger =
    o.logger ?? (o.log ? createLogger({ write: (_, line) => o.log!(line.trimEnd()) }) : createLogger())
  const log = o.log ?? logFunction(logger)
  const clock = o.clock ?? systemClock
  const config = typeof o.config === 'string' ? await loadConfig(o.config) : o.config
  for (const w of config.warnings) log(`warning: ${w}`)
  const portal = config.portal

  const dataDir = resolve(o.data)
  restrictDataDir(dataDir)
  const db = await openStore(
    o.database ? { postgres: parseDatabaseUrl(o.database) } : { sqlite: join(dataDir, 'labgate.db') },
  )
  log(`store: ${o.database ? `PostgreSQL at ${redactDatabaseUrl(o.database)}` : `SQLite in ${dataDir}`}`)
  const { store } = db
  // One registry per labgate; the terminals' count is the gateway's, set up below.
  let terminalsOpen = () => 0
  const metrics = new PrometheusMetrics({
    sessions: () => store.countSessionsByState(portal.name),
    terminalsOpen: () => terminalsOpen(),
  })
  db.observeCommits((seconds) => metrics.dbCommit(seconds))

  const key = Buffer.from(
    await store.setSettingIfAbsent('server.key', randomBytes(32).toString('base64')),
    'base64',
  )
  const uid = await store.setSettingIfAbsent('portal.uid', randomUUID())
  const generation = await portalGeneration(store, config)
  const host = o.host ?? '127.0.0.1'
  let url = o.publicUrl?.replace(/\/+$/, '') ?? ''
  const portalInfo = (): PortalInfo => ({ name: portal.name, uid, generation, url })

  const limits = {
    memoryBytes: portal.labgate.memoryLimit,
    pids: portal.labgate.pidsLimit,
    cpus: portal.labgate.cpuLimit,
  }
  const auth = await setUpAuth({ auth: db.auth, clock, key, portal })
  // A portal with a Slurm cluster runs the workshops and job types that ask for it there (or everything,
  // with the slurm backend); their agents connect to this labgate.
  const slurm = portal.labgate.slurm
    ? await setUpSlurm({
        settings: portal.labgate.slurm,
        portal: portal.name,
        dataDir,
        auth: { auth: db.auth, grants: auth.grants, tokens: auth.tokens, clock },
        log,
      })
    : null
  const primary =
    o.backend ??
    (portal.labgate.backend === 'slurm'
      ? slurm!.backend
      : await makeBackend(portal.labgate.backend, {
          dataDir,
          log,
          limits,
          sandbox: portal.labgate,
          portal: portal.name,
          planned: plannedSessions(
            portal.maximum,
            portal.workshops.map((w) => w.capacity),
          ),
          tuneKernel: o.tuneKernel ?? false,
          ...(portal.labgate.kubernetes && { kubernetes: portal.labgate.kubernetes }),
        }))
  const sandboxes = withPlacements(primary, slurm?.backend ?? null)
  // Remote labs' sessions are reservations on their systems, beside the sandboxes.
  const backend = portal.labgate.remoteLabs.length > 0 ? withRemoteLabs(sandboxes) : sandboxes
  const webhooks = new WebhookSender({ log, metrics })
  const events = new EventBus({
    store,
    clock,
    webhooks,
    portal: portalInfo,
    globalWebhook: portal.webhookUrl,
  })
  // On PostgreSQL, this process is one of the replicas that may share the database.
  const replicas =
    db.dialect === 'postgres'
      ? setUpReplicas({
          dataDir,
          replicas: db.replicas,
          notifier: db.notifier,
          clock,
          key,
          log,
          timings: o.replicaTimings,
        })
      : null
  // Sessions mount default workspaces once the workspaces API is set up (below, before any session starts).
  let workspaceDeps: WorkspaceDeps | null = null
  warnOfWorkspaceMounts(portal, log)
  const { deps, runner, reconciler } = composeBroker(
    {
      ...(portal.labgate.workspaces
        ? {
            workspaceMount: async (userId: string) =>
              workspaceDeps ? defaultWorkspaceMount(workspaceDeps, userId) : null,
          }
        : {}),
      store,
      clock,
      backend,
      events,
      portal,
      secrets: new SessionSecrets(key),
      log,
      metrics,
      random: (n: number) => randomInt(n),
      ...(replicas ? { replica: replicas.link } : {}),
    },
    {
      intervalMs: o.reconcileIntervalMs,
      ...(replicas ? { replicas: replicas.reconciler } : {}),
      // Jobs' sandboxes are the workspaces' to keep or end: the sweep leaves them be.
      otherSandboxes: async () =>
        portal.labgate.workspaces ? liveJobSandboxes(db.workspaces) : { handles: [], sessions: [] },
    },
  )

  let ready = false
  let closed = false
  const ctx = {
    deps,
    auth: auth.authenticator,
    portalUrl: url || `http://${host}:${o.port}`,
    bodyLimit: o.bodyLimit ?? 64 * 1024,
  }
  const gateway = setUpGateway(ctx, backend, dataDir)
  terminalsOpen = gateway.terminalsOpen
  // One limiter: failed sign-ins at /login/ and through the password grant count together.
  const signInLimiter = new SignInLimiter(clock)
  // One budget of password hashing for every endpoint that checks a secret or a password.
  const secretGate = o.secretGate ?? new SecretGate({ clock })
  const people = await asFirstWriterOrReader(() =>
    setUpPeople({ ctx, auth: db.auth, portal, limiter: signInLimiter, secretGate }),
  )
  // the authorization server also serves the robot's /oauth2/token/ and /oauth2/revoke-token/
  const oauth = setUpOAuthServer({
    auth: db.auth,
    store,
    clock,
    grants: auth.grants,
    key,
    ctx,
    firstParty: (client, userId) => firstPartySignIn(deps, sessionOfClient(client.id), userId),
    signInLimiter,
    secretGate,
  })
  const workspaces = portal.labgate.workspaces
    ? await setUpWorkspaces({
        settings: portal.labgate.workspaces,
        dataDir,
        db,
        backend,
        portalName: portal.name,
        publicUrl: () => url || ctx.portalUrl,
        authenticator: auth.authenticator,
        hostRouting: portal.labgate,
        clock,
        log,
        grants: auth.grants,
        tokens: auth.tokens,
      })
    : null
  workspaceDeps = workspaces?.deps ?? null
  const signIn = new SessionSignIn({
    ctx,
    clients: new SessionClients({ auth: db.auth, clock }),
    redeem: (body) => oauth.tokens.authorizationCode(undefined, body),
    authorize: (req, params) => oauth.authorizeFor(req, params),
  })
  // Registering a session's dashboard client is a commit: do it while the sandbox is new, not at sign-in.
  deps.runner.onStarted((s) => signIn.prepare(s.name))
  const gradePassback = setUpGradePassback({
    db,
    runner,
    registrations: () => portal.labgate.lms,
    clock,
    key,
    log,
  })
  const app = await buildHttpApp({
    ctx,
    portalInfo,
    plugins: [
      (app: FastifyInstance) => metricsRoute(app, metrics, o.metricsToken),
      oauth.routes,
      gateway.routes,
      ...(portal.accessCode
        ? [
            (app: FastifyInstance) =>
              accessCodeRoutes(app, {
                ctx,
                code: portal.accessCode!,
                key,
                viewer: () => ({
                  portalName: portal.name,
                  signedIn: false,
                  staff: false,
                  workspaces: false,
                  registration: false,
                }),
              }),
          ]
        : []),
      people.routes,
      (app: FastifyInstance) =>
        catalogRoutes(app, {
          ctx,
          ...(people.guestSignIn ? { guestSignIn: people.guestSignIn } : {}),
          jobs: () => workspaces?.deps ?? null,
        }),
      (app: FastifyInstance) =>
        adminRoutes(app, {
          ctx,
          audit: db.audit,
          auth: db.auth,
          grants: auth.grants,
          clients: adminClientRegistry({ auth: db.auth, clock }),
          jobs: () => workspaces?.deps ?? null,
        }),
      (app: FastifyInstance) =>
        adminApiRoutes(app, {
          ctx,
          audit: db.audit,
          auth: db.auth,
          grants: auth.grants,
          clients: adminClientRegistry({ auth: db.auth, clock }),
          log,
        }),
      ...(workspaces
        ? [workspaces.routes, (app: FastifyInstance) => myWorkspacesRoutes(app, ctx, workspaces.deps)]
        : []),
      ...setUpLms({
        deps,
        audit: db.audit,
        nonces: db.nonces,
        grades: db.grades,
        gateway: db.lmsGateway,
        tokens: { auth: db.auth, grants: auth.grants, tokens: auth.tokens, clock },
        settings: store,
        auth: auth.authenticator,
        key,
        portalUrl: () => url || ctx.portalUrl,
        trustProxy: o.trustProxy !== undefined && o.trustProxy !== false,
        serviceTokens: gradePassback.tokens,
      }),
    ],
    isReady: () => ready,
    log,
    trustProxy: o.trustProxy,
    observe: { logger, metrics },
    onView: gateway.onView,
    signIn,
  })
  slurm?.attach(app)
  gateway.attach(app)
  await app.listen({ port: o.port, host })
  slurm?.listening(listeningPort(app) ?? o.port, host)
  if (!url) {
    const port = listeningPort(app) ?? o.port
    url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
    ctx.portalUrl = url
  }

  await replicas?.start({
    address: o.replicaAddress ?? defaultReplicaAddress(host, listeningPort(app) ?? o.port),
    server: app.server,
    deps,
    events,
    reconcile: reconciler,
    sessionPath: gateway.sessionPath,
  })
  const stopNoncePurge = startNoncePurge(db.nonces, clock, log, undefined, db.lmsGateway)
  await gradePassback.start()
  await syncEnvironments(deps)
  await reconciler.start()
  await workspaces?.start()
  ready = true

  return {
    app,
    deps,
    reconciler,
    db,
    url,
    robot: auth.robot,
    generatedAdmin: people.generatedAdmin,
    config,
    close: async () => {
      if (closed) return
      closed = true
      ready = false
      stopNoncePurge()
      await reconciler.stop()
      await replicas?.close()
      await gateway.close()
      await slurm?.close()
      await app.close()
      // after the app: no request can start a deletion or a copy any more
      await workspaces?.close()
      await runner.drain()
      await gradePassback.stop()
      await webhooks.idle()
      auth.close()
      await backend.close?.()
      await db.close()
    },
  }
}

/** The TCP port `app` listens on (the one the OS chose for port 0). */
function listeningPort(app: FastifyInstance): number | undefined {
  const address = app.server.address()
  return typeof address === 'object' && address ? address.port : undefined
}

/** The portal's generation: bumped whenever the loaded definitions differ from the last start's. */
async function portalGeneration(store: Store, config: LoadedConfig): Promise<number> {
  const hash =
    config.portal.workshops.map((w) => w.definitionHash).join(',') +
    `|${config.portal.maximum},${config.portal.registered},${config.portal.anonymous}`
  const last = await store.getSetting('portal.hash')
  let generation = Number((await store.getSetting('portal.generation')) ?? 0)
  if (last !== hash) {
    generation++
    await store.setSetting('portal.generation', String(generation))
    await store.setSetting('portal.hash', hash)
  }
  return generation
}
