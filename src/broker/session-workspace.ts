import { SANDBOX_HOME, type SandboxSpec } from '../backends/backend.js'
import type { PortalWorkshop } from '../config/types.js'
import { keepsWorkspace } from '../domain/workspaces.js'
import type { Session } from '../store/rows.js'
import type { Store } from '../store/store.js'

/** Where a session mounts its user's default workspace. */
export const SESSION_WORKSPACE_PATH = `${SANDBOX_HOME}/workspace`

/** The host directory of a user's default workspace (made on first use) and its owner; null when none. */
export type WorkspaceMountSource = (
  userId: string,
) => Promise<{ dir: string; owner: { uid: number; gid: number } } | null>

/**
 * What a session's sandbox adds to mount its user's default workspace at {@link SESSION_WORKSPACE_PATH}:
 * a read-write mount, and the workspace's owner to run as. Nothing when the workshop does not ask for it
 * (`spec.labgate.workspace`), workspaces are off (`source` absent), the session has no owner yet, or the
 * user does not keep work (`keepsWorkspace`).
 */
export async function sessionWorkspace(
  d: { store: Store; workspaceMount?: WorkspaceMountSource },
  s: Session,
  settings: PortalWorkshop,
): Promise<Pick<SandboxSpec, 'mounts' | 'runAs'>> {
  if (!settings.workshop.workspace || !d.workspaceMount || !s.owner) return {}
  const user = await d.store.getUser(s.owner)
  if (!user || !keepsWorkspace(user)) return {}
  const mount = await d.workspaceMount(user.id)
  if (!mount) return {}
  return {
    mounts: [{ source: mount.dir, target: SESSION_WORKSPACE_PATH, readOnly: false }],
    runAs: mount.owner,
  }
}
