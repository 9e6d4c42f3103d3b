import type { PortalDefinition } from '../config/types.js'

/**
 * Logs a warning for each workshop that asks to mount workspaces (`spec.labgate.workspace`) on a portal
 * whose workspaces are off (no `spec.labgate.workspaces`): its sessions then start without one.
 */
export function warnOfWorkspaceMounts(portal: PortalDefinition, log: (msg: string) => void): void {
  if (portal.labgate.workspaces) return
  for (const w of portal.workshops) {
    if (w.workshop.workspace)
      log(
        `warning: workshop ${w.workshop.name} sets spec.labgate.workspace, but the portal has no ` +
          'spec.labgate.workspaces: its sessions start without a workspace',
      )
  }
}
