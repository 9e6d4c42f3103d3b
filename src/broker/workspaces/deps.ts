import type { WorkspaceSettings } from '../../config/types.js'
import type { Clock } from '../../domain/clock.js'
import type { WorkspaceStorage } from '../../storage/workspace-storage.js'
import type { WorkspaceStore } from '../../store/workspace-store.js'
import type { BackgroundWork } from './background-work.js'

/** What the workspace use cases need, wired once in `src/main/`. */
export interface WorkspaceDeps {
  workspaces: WorkspaceStore
  storage: WorkspaceStorage
  settings: WorkspaceSettings
  clock: Clock
  log: (msg: string) => void
  /** Where work left running after an answer is kept for shutdown to wait on; absent: not kept. */
  background?: BackgroundWork
}
