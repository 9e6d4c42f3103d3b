import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { infoRoutes } from '../api/workspaces/info-routes.js'
import type { UwsAuth } from '../api/workspaces/uws-route.js'
import { workspaceRoutes } from '../api/workspaces/workspace-routes.js'
import { registerClient } from '../auth/clients.js'
import type { GrantManager } from '../auth/grant-manager.js'
import type { TokenCache } from '../auth/token-cache.js'
import type { SessionBackend } from '../backends/backend.js'
import type { WorkspaceDeps } from '../broker/workspaces/deps.js'
import {
  WORKSPACES_CLIENT_ID,
  WORKSPACES_SCOPE,
  authenticateWorkspacesToken,
} from '../broker/workspaces/exchange-token.js'
import type { WorkspaceSettings } from '../config/types.js'
import type { Clock } from '../domain/clock.js'
import { jobGatewayRoutes } from '../gateway/job-proxy-routes.js'
import type { Authenticator } from '../http/authenticator.js'
import { LocalWorkspaceStorage } from '../storage/local-storage.js'
import type { OpenStore } from '../store/open-store.js'
import { LABGATE_VERSION } from './version.js'

/** Host uids of workspaces (when labgate is root): one per workspace, beside the sessions' 200000+. */
export const WORKSPACE_UID_RANGE = { first: 300_000, count: 65_536 }

/**
 * Wires the workspaces API: the storage under `settings.root` (default `<dataDir>/workspaces`), the OAuth
 * client whose tokens the API takes (registered on first start), and the routes. Throws `config_invalid`
 * when a data root does not exist.
 */
export async function setUpWorkspaces(o: {
  settings: WorkspaceSettings
  dataDir: string
  db: OpenStore
  backend: SessionBackend
  /** The portal's public URL (known once it listens). */
  publicUrl: () => string
  /** The portal's sign-in: staff open any job's web UI with it. */
  authenticator: Authenticator
  clock: Clock
  log: (msg: string) => void
  grants: GrantManager
  tokens: TokenCache
}): Promise<{ deps: WorkspaceDeps; routes: (app: FastifyInstance) => void }> {
  if (!(await o.db.auth.getClient(WORKSPACES_CLIENT_ID))) {
    await registerClient(o.db.auth, o.clock, {
      id: WORKSPACES_CLIENT_ID,
      name: 'labgate workspaces API (tokens of POST /tokens/)',
      kind: 'session',
      grantTypes: [],
      scopes: [WORKSPACES_SCOPE],
    })
  }
  const storage = new LocalWorkspaceStorage({
    root: o.settings.root ?? join(o.dataDir, 'workspaces'),
    dataRoots: o.settings.dataRoots,
    uids: WORKSPACE_UID_RANGE,
  })
  const deps: WorkspaceDeps = {
    workspaces: o.db.workspaces,
    storage,
    settings: o.settings,
    clock: o.clock,
    log: o.log,
  }
  const tokens = {
    store: o.db.store,
    auth: o.db.auth,
    grants: o.grants,
    tokens: o.tokens,
    clock: o.clock,
    lifetime: o.settings.tokenLifetime,
  }
  const auth: UwsAuth = { authenticate: (t) => authenticateWorkspacesToken(tokens, t), log: o.log }
  return {
    deps,
    routes: (app) => {
      workspaceRoutes(app, auth, deps)
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
    },
  }
}
