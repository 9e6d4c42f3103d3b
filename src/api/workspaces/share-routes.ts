import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { JSON_TYPE } from '../../http/openapi/operation.js'
import { acceptShare } from '../../broker/workspaces/accept-share.js'
import { listShares, viewShares } from '../../broker/workspaces/read-shares.js'
import type { ShareDeps } from '../../broker/workspaces/share-deps.js'
import { shareWorkspace } from '../../broker/workspaces/share-workspace.js'
import { withdrawShare } from '../../broker/workspaces/withdraw-share.js'
import { badRequest, notFound } from '../../domain/errors.js'
import { ok } from './envelope.js'
import { presentShare } from './present-share.js'
import { idParam, jsonBody, uwsRoute, type UwsAuth } from './uws-route.js'
import { envelope, idParams, ShareWire } from './wire.js'

const sharesAnswer = {
  description: 'Shares sent and received (empty lists when none match)',
  content: {
    [JSON_TYPE]: envelope({ original_workspaces: z.array(ShareWire), shared_workspaces: z.array(ShareWire) }),
  },
}
const done = (description: string) => ({ description, content: { [JSON_TYPE]: envelope() } })

const NONE_FOUND = 'Shared workspace matching given parameters could not be found.'
/** `is_accepted` query values, as Django's BooleanField reads them (lower case too). */
const BOOLEANS: Record<string, boolean> = {
  t: true,
  True: true,
  true: true,
  1: true,
  f: false,
  False: false,
  false: false,
  0: false,
}

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
      query: z.object({ is_accepted: z.string().optional().describe('`true`/`false` (Django spellings)') }),
      responses: { 200: sharesAnswer },
    },
    handler: async (req, userId) => {
      const q = (req.query as Record<string, string | undefined>).is_accepted
      if (q !== undefined && !(q in BOOLEANS))
        return ok(NONE_FOUND, { original_workspaces: [], shared_workspaces: [] })
      return list(userId!, q === undefined ? {} : { isAccepted: BOOLEANS[q]! })
    },
  })
  uwsRoute(app, auth, {
    paths: ['/shared_workspaces/:id/'],
    method: 'GET',
    access: 'user',
    doc: {
      summary: 'The share whose copy is workspace `id`',
      params: idParams,
      responses: { 200: sharesAnswer },
    },
    handler: async (req, userId) => list(userId!, { sharedWorkspaceId: idParam(req) }),
  })
  uwsRoute(app, auth, {
    paths: ['/shared_workspaces/'],
    method: 'POST',
    access: 'user',
    doc: {
      summary: 'Share a workspace (by copy) with users',
      body: {
        schema: z.object({
          original_workspace_id: z.union([z.number().int(), z.string()]),
          shared_user_ids: z.array(z.union([z.string(), z.number().int()])).max(1000),
        }),
        types: [JSON_TYPE],
        required: true,
      },
      responses: {
        200: {
          description: 'The new shares',
          content: { [JSON_TYPE]: envelope({ shared_workspaces: z.array(ShareWire) }) },
        },
      },
    },
    handler: async (req, userId) => {
      const body = jsonBody(req)
      if (!('shared_user_ids' in body) || !('original_workspace_id' in body))
        throw badRequest('Missing required fields.')
      const { shares } = await shareWorkspace(d, userId!, {
        originalWorkspaceId: workspaceIdOf(body.original_workspace_id),
        recipientIds: userIdsOf(body.shared_user_ids),
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
      params: idParams.extend({ put_type: z.literal('accept') }),
      responses: { 200: done('Accepted') },
    },
    handler: async (req, userId) => {
      const id = idParam(req)
      if ((req.params as { put_type: string }).put_type !== 'accept')
        throw badRequest('Invalid PUT type passed.')
      await acceptShare(d, userId!, id)
      return ok('Successful.')
    },
  })
  uwsRoute(app, auth, {
    paths: ['/shared_workspaces/:id/'],
    method: 'DELETE',
    access: 'user',
    doc: {
      summary: 'Withdraw or decline a share before it is accepted',
      params: idParams,
      responses: { 200: done('Queued for deletion') },
    },
    handler: async (req, userId) => {
      const id = idParam(req)
      await withdrawShare(d, userId!, id)
      return ok(`Shared workspace ${id} queued for deletion.`)
    },
  })
}

/** `original_workspace_id`: an integer or its digits; anything else names no workspace of the caller (404). */
function workspaceIdOf(v: unknown): number {
  const id = typeof v === 'string' && /^[1-9][0-9]{0,15}$/.test(v) ? Number(v) : v
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0)
    throw notFound(`Workspace ${String(v)} not found for user.`)
  return id
}

/** `shared_user_ids`: a list of user ids, as the ids `GET /users/` gives (strings) or integers. */
function userIdsOf(v: unknown): string[] {
  if (!Array.isArray(v)) throw badRequest('shared_user_ids is not a list.')
  if (v.length > 1000) throw badRequest('shared_user_ids has too many entries (at most 1000).')
  return v.map((u) => {
    if (typeof u === 'string' && u.length > 0 && u.length <= 128) return u
    if (typeof u === 'number' && Number.isSafeInteger(u)) return String(u)
    throw badRequest('Invalid user id provided.')
  })
}
