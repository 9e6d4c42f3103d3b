import type { SandboxHandle } from '../../../backends/backend.js'
import { LIVE_JOB_STATUSES } from '../../../domain/workspaces.js'
import type { WorkspaceStore } from '../../../store/workspace-store.js'

/**
 * The sandboxes of live jobs (pending, running, stopping), as the backend's start-up sweep must keep
 * them: their handles, and their names (whose files stay). Every portal's jobs count: the data directory
 * is the store's.
 */
export async function liveJobSandboxes(
  workspaces: WorkspaceStore,
): Promise<{ handles: SandboxHandle[]; sessions: string[] }> {
  const live = await workspaces.listJobs({ status: [...LIVE_JOB_STATUSES] })
  return {
    handles: live.flatMap((j) => (j.handle ? [j.handle] : [])),
    sessions: live.map((j) => j.sandbox),
  }
}
