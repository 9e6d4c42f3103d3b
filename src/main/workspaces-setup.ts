import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { infoRoutes } from '../api/workspaces/info-routes.js'
import { jobRoutes } from '../api/workspaces/job-routes.js'
import type { UwsAuth } from '../api/workspaces/uws-route.js'
import { workspaceRoutes } from '../api/workspaces/workspace-routes.js'
import { shareRoutes } from '../api/workspaces/share-routes.js'
import { registerClient } from '../auth/clients.js'
import type { GrantManager } from '../auth/grant-manager.js'
import type { TokenCache } from '../auth/token-cache.js'
import type { SessionBackend } from '../backends/backend.js'
import type { JobDeps } from '../broker/workspaces/jobs/deps.js'
import { JobChanges } from '../broker/workspaces/jobs/job-changes.js'
import { JobRunner } from '../broker/workspaces/jobs/job-runner.js'
import { jobUrlDomain } from '../broker/workspaces/jobs/job-web.js'
import {
  WORKSPACES_CLIENT_ID,
  WORKSPACES_SCOPE,
  authenticateWorkspacesToken,
} from '../broker/workspaces/exchange-token.js'
import { BackgroundWork } from '../broker/workspaces/background-work.js'
import { resumeDeletions } from '../broker/workspaces/delete-workspace.js'
import type { WorkspaceSettings } from '../config/types.js'
import type { Clock } from '../domain/clock.js'
import { jobGatewayRoutes } from '../gateway/job-proxy-routes.js'
import { mintJobTicket, revokeJobTickets } from '../gateway/job-tickets.js'
import { jobEntryPath } from '../gateway/job-url.js'
import type { Authenticator } from '../http/authenticator.js'
import { LocalWorkspaceStorage } from '../storage/local-storage.js'
import type { OpenStore } from '../store/open-store.js'
import { attachJobStatusSockets } from './job-status-setup.js'
import { LABGATE_VERSION } from './version.js'

/** Host uids of workspaces (when labgate is root): one per workspace, beside the sessions' 200000+. */
export const WORKSPACE_UID_RANGE = { first: 300_000, count: 65_536 }

/**
 * Wires the workspaces API: the storage under `settings.root` (default `<dataDir>/workspaces`), the OAuth
 * client whose tokens the API takes (registered on first start), the job runner (not started: the caller
 * starts it once serving, and closes it on shutdown) and the routes. Throws `config_invalid` when a data
 * root does not exist.
 */
export async function setUpWorkspaces(o: {
  settings: WorkspaceSettings
  dataDir: string
  db: OpenStore
  backend: SessionBackend
  portalName: string
  /** The portal's public URL (known once it listens): jobs' `url_domain` derives from it. */
  publicUrl: () => string
  /** The portal's sign-in: staff open any job's web UI with it. */
  authenticator: Authenticator
  /** The portal's host routing (sessions' and jobs' own hosts), to tell its own host from theirs. */
  hostRouting: { sessionDomain?: string; workspaces?: { domain?: string } }
  clock: Clock
  log: (msg: string) => void
  grants: GrantManager
  tokens: TokenCache
}): Promise<{
  deps: JobDeps
  runner: JobRunner
  /** Starts the job runner (re-adopting jobs) and finishes deletions a previous process left. */
  start: () => Promise<void>
  /** Stops the runner and waits for background work (deletions, copies). */
  close: () => Promise<void>
  routes: (app: FastifyInstance) => void
}> {
  if (!(await o.db.auth.getClient(WORKSPACES_CLIENT_ID))) {
    await registerClient(o.db.auth, o.clock, {
      id: WORKSPACES_CLIENT_ID,
      name: 'labgate workspaces API (tokens of POST /tokens/)',
      kind: 'session',
      grantTypes: [],
      scopes: [WORKSPACES_SCOPE],
    })
  }
  const tokens = {
    store: o.db.store,
    auth: o.db.auth,
    grants: o.grants,
    tokens: o.tokens,
    clock: o.clock,
    lifetime: o.settings.tokenLifetime,
  }
  const storage = new LocalWorkspaceStorage({
    root: o.settings.root ?? join(o.dataDir, 'workspaces'),
    dataRoots: o.settings.dataRoots,
    uids: WORKSPACE_UID_RANGE,
  })
  const deps: JobDeps = {
    workspaces: o.db.workspaces,
    storage,
    settings: o.settings,
    clock: o.clock,
    log: o.log,
    backend: o.backend,
    portalName: o.portalName,
    urlDomain: (id) => jobUrlDomain(o.publicUrl(), o.settings.domain, id),
    changes: new JobChanges(),
    background: new BackgroundWork(),
    // a ready job's url_path carries a ticket of the job gateway, revoked when the job ends
    entry: {
      open: async (job, typePath) => jobEntryPath(job.id, typePath, await mintJobTicket(tokens, job)),
      close: (jobId) => revokeJobTickets(tokens, jobId),
    },
  }
  const runner = new JobRunner(deps)
  const auth: UwsAuth = { authenticate: (t) => authenticateWorkspacesToken(tokens, t), log: o.log }
  return {
    deps,
    runner,
    start: async () => {
      await runner.start()
      const resumed = await resumeDeletions(deps)
      if (resumed) o.log(`workspaces: finishing ${resumed} deletions left under way`)
    },
    close: async () => {
      await runner.close()
      await deps.background?.drain()
    },
    routes: (app) => {
      workspaceRoutes(app, auth, deps)
      jobRoutes(app, auth, deps)
      attachJobStatusSockets(app, {
        auth,
        jobs: o.db.workspaces,
        changes: deps.changes,
        hostRouting: o.hostRouting,
      })
      jobGatewayRoutes(app, {
        ...tokens,
        workspaces: o.db.workspaces,
        backend: o.backend,
        jobTypes: o.settings.jobTypes,
        domain: o.settings.domain,
        portalUrl: o.publicUrl,
        authenticator: o.authenticator,
        log: o.log,
      })
      infoRoutes(app, auth, {
        workspaces: deps,
        tokens,
        store: o.db.store,
        version: LABGATE_VERSION,
        backendName: o.backend.name,
      })
      shareRoutes(app, auth, { ...deps, users: o.db.store })
    },
  }
}
