/**
 * Shares on the wire as the HuBMAP server's `SharedWorkspaceMappingSerializer` gives them: no id of their
 * own (clients name a share by its copy's workspace id), each workspace cut down to `id, name,
 * description, workspace_details` and its owner as `user_id: {username, first_name, last_name, email}`.
 */
import type { z } from 'zod'
import type { ShareSide, ShareView } from '../../broker/workspaces/read-shares.js'
import type { ShareWire } from './wire.js'

type Share = z.infer<typeof ShareWire>

/** A share as `data.original_workspaces[]` / `data.shared_workspaces[]`. */
export function presentShare(v: ShareView): Share {
  return {
    original_workspace_id: presentSide(v.original),
    shared_workspace_id: presentSide(v.shared),
    last_resource_options: v.share.lastResourceOptions,
    last_job_type: v.share.lastJobType,
    is_accepted: v.share.isAccepted,
    datetime_share_created: new Date(v.share.createdAt).toISOString(),
  }
}

function presentSide(side: ShareSide | null): Share['original_workspace_id'] {
  if (!side) return null
  const { workspace: ws, owner } = side
  return {
    id: ws.id,
    name: ws.name,
    description: ws.description,
    workspace_details: ws.details,
    user_id: owner && {
      username: owner.username ?? '',
      first_name: owner.firstName ?? '',
      last_name: owner.lastName ?? '',
      email: owner.email ?? '',
    },
  }
}
