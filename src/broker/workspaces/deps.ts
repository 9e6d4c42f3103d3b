import type { SessionBackend } from '../../backends/backend.js'
import type { WorkspaceSettings } from '../../config/types.js'
import type { Clock } from '../../domain/clock.js'
import type { WorkspaceStorage } from '../../storage/workspace-storage.js'
import type { Store } from '../../store/store.js'
import type { WorkspaceStore } from '../../store/workspace-store.js'
import type { GrantManager } from '../../auth/grant-manager.js'
import type { TokenCache } from '../../auth/token-cache.js'
import type { JobRunner } from './job-runner.js'

/** Everything the workspace and job use cases need, wired once in `src/main/`. */
export interface WorkspaceDeps {
  /** Users (owners, recipients of shares, `GET /users/`). */
  store: Store
  workspaces: WorkspaceStore
  storage: WorkspaceStorage
  backend: SessionBackend
  settings: WorkspaceSettings
  clock: Clock
  log: (msg: string) => void
  /** Starts, watches and stops jobs' sandboxes; tells listeners about every change. */
  jobs: JobRunner
  /** The portal's name (sandboxes are named `<portal>-job<id>`). */
  portal: string
  /** Mints and checks the API's tokens. */
  grants: GrantManager
  tokens: TokenCache
  /** labgate's version, for `GET /status/`. */
  version: string
}
