import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { JSON_TYPE } from '../../http/openapi/operation.js'
import { acceptShare } from '../../broker/workspaces/accept-share.js'
import { listShares, viewShares } from '../../broker/workspaces/read-shares.js'
import type { ShareDeps } from '../../broker/workspaces/share-deps.js'
import { shareWorkspace } from '../../broker/workspaces/share-workspace.js'
import { withdrawShare } from '../../broker/workspaces/withdraw-share.js'
import { ok } from './envelope.js'
import { presentShare } from './present-share.js'
import { IdParams, ShareBody, SharePutParams, ShareQuery } from './request-schemas.js'
import { uwsRoute, type UwsAuth } from './uws-route.js'
import { envelope, ShareWire } from './wire.js'

const sharesAnswer = {
  description: 'Shares sent and received (empty lists when none match)',
  content: {
    [JSON_TYPE]: envelope({ original_workspaces: z.array(ShareWire), shared_workspaces: z.array(ShareWire) }),
  },
}
const done = (description: string) => ({ description, content: { [JSON_TYPE]: envelope() } })

const NONE_FOUND = 'Shared workspace matching given parameters could not be found.'
/**
 * Sharing workspaces by copy, as the HuBMAP server answers it: `GET /shared_workspaces/` (filter
 * `is_accepted`) and `GET /shared_workspaces/<id>/` (the share whose copy is workspace `<id>`) list the
 * caller's sent (`original_workspaces`) and received (`shared_workspaces`) shares; `POST
 * /shared_workspaces/` `{original_workspace_id, shared_user_ids}` shares; `PUT
 * /shared_workspaces/<id>/accept/` accepts (recipient); `DELETE /shared_workspaces/<id>/` withdraws or
 * declines (sender or recipient, before acceptance). With and without the trailing slash.
 */
export function shareRoutes(app: FastifyInstance, auth: UwsAuth, d: ShareDeps): void {
  const list = async (userId: string, filter: { sharedWorkspaceId?: number; isAccepted?: boolean }) => {
    const { sent, received } = await listShares(d, userId, filter)
    return ok(sent.length || received.length ? 'Successful.' : NONE_FOUND, {
      original_workspaces: sent.map(presentShare),
      shared_workspaces: received.map(presentShare),
    })
  }
  uwsRoute(app, auth, {
    paths: ['/shared_workspaces/'],
    method: 'GET',
    access: 'user',
    doc: {
      summary: "The caller's shares, sent and received",
      query: ShareQuery,
      responses: { 200: sharesAnswer },
    },
    handler: async ({ query: { is_accepted: accepted } }, userId) => {
      if (accepted === null) return ok(NONE_FOUND, { original_workspaces: [], shared_workspaces: [] })
      return list(userId!, accepted === undefined ? {} : { isAccepted: accepted })
    },
  })
  uwsRoute(app, auth, {
    paths: ['/shared_workspaces/:id/'],
    method: 'GET',
    access: 'user',
    doc: {
      summary: 'The share whose copy is workspace `id`',
      params: IdParams,
      responses: { 200: sharesAnswer },
    },
    handler: async ({ params }, userId) => list(userId!, { sharedWorkspaceId: params.id }),
  })
  uwsRoute(app, auth, {
    paths: ['/shared_workspaces/'],
    method: 'POST',
    access: 'user',
    doc: {
      summary: 'Share a workspace (by copy) with users',
      body: { schema: ShareBody, required: true },
      responses: {
        200: {
          description: 'The new shares',
          content: { [JSON_TYPE]: envelope({ shared_workspaces: z.array(ShareWire) }) },
        },
      },
    },
    handler: async ({ body }, userId) => {
      const { shares } = await shareWorkspace(d, userId!, {
        originalWorkspaceId: body.original_workspace_id,
        recipientIds: body.shared_user_ids,
      })
      const views = await viewShares(d, shares)
      return ok('Successful.', { shared_workspaces: views.map(presentShare) })
    },
  })
  uwsRoute(app, auth, {
    paths: ['/shared_workspaces/:id/:put_type/'],
    method: 'PUT',
    access: 'user',
    doc: {
      summary: 'Accept a share (`accept`, the recipient)',
      params: SharePutParams,
      responses: { 200: done('Accepted') },
    },
    handler: async ({ params }, userId) => {
      await acceptShare(d, userId!, params.id)
      return ok('Successful.')
    },
  })
  uwsRoute(app, auth, {
    paths: ['/shared_workspaces/:id/'],
    method: 'DELETE',
    access: 'user',
    doc: {
      summary: 'Withdraw or decline a share before it is accepted',
      params: IdParams,
      responses: { 200: done('Queued for deletion') },
    },
    handler: async ({ params: { id } }, userId) => {
      await withdrawShare(d, userId!, id)
      return ok(`Shared workspace ${id} queued for deletion.`)
    },
  })
}
