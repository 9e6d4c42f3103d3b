import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { JSON_TYPE } from '../../http/openapi/operation.js'
import { createWorkspace } from '../../broker/workspaces/create-workspace.js'
import type { WorkspaceDeps } from '../../broker/workspaces/deps.js'
import { deleteWorkspace } from '../../broker/workspaces/delete-workspace.js'
import { listWorkspaces } from '../../broker/workspaces/read-workspaces.js'
import { updateWorkspace } from '../../broker/workspaces/update-workspace.js'
import { isWorkspaceStatus } from '../../domain/workspaces.js'
import { ok } from './envelope.js'
import { presentWorkspace } from './present.js'
import { CreateWorkspaceBody, IdParams, UpdateWorkspaceBody, WorkspaceQuery } from './request-schemas.js'
import { uwsRoute, type UwsAuth } from './uws-route.js'
import { envelope, WorkspaceWire } from './wire.js'

const workspacesAnswer = (description: string) => ({
  description,
  content: { [JSON_TYPE]: envelope({ workspaces: z.array(WorkspaceWire) }) },
})
const done = (description: string) => ({ description, content: { [JSON_TYPE]: envelope() } })

const NONE_FOUND = 'Workspace matching given parameters could not be found.'

/**
 * `/workspaces/` (list with `name`, `description`, `status` filters; create) and `/workspaces/<id>/` (get,
 * update, delete), with and without the trailing slash, answered as the HuBMAP server answers them: an
 * empty result is a 200 with an empty list, never a 404.
 */
export function workspaceRoutes(app: FastifyInstance, auth: UwsAuth, d: WorkspaceDeps): void {
  uwsRoute(app, auth, {
    paths: ['/workspaces/'],
    method: 'GET',
    access: 'user',
    doc: {
      summary: "The caller's workspaces, filtered",
      query: WorkspaceQuery,
      responses: { 200: workspacesAnswer('The workspaces (an empty list when none match)') },
    },
    handler: async ({ query: q }, userId) => {
      if (q.status !== undefined && !isWorkspaceStatus(q.status)) return ok(NONE_FOUND, { workspaces: [] })
      const found = await listWorkspaces(d, userId!, {
        ...(q.name !== undefined ? { name: q.name } : {}),
        ...(q.description !== undefined ? { description: q.description } : {}),
        ...(q.status !== undefined && isWorkspaceStatus(q.status) ? { status: q.status } : {}),
      })
      return ok(found.length ? 'Successful.' : NONE_FOUND, { workspaces: found.map(presentWorkspace) })
    },
  })
  uwsRoute(app, auth, {
    paths: ['/workspaces/:id/'],
    method: 'GET',
    access: 'user',
    doc: {
      summary: 'One workspace of the caller, as a list of one (or none)',
      params: IdParams,
      responses: { 200: workspacesAnswer('The workspace (an empty list when it is not theirs)') },
    },
    handler: async ({ params }, userId) => {
      const found = await listWorkspaces(d, userId!, { id: params.id })
      return ok(found.length ? 'Successful.' : NONE_FOUND, { workspaces: found.map(presentWorkspace) })
    },
  })
  uwsRoute(app, auth, {
    paths: ['/workspaces/'],
    method: 'POST',
    access: 'user',
    doc: {
      summary: 'Create a workspace (its files and symlinks are set up in the background)',
      body: { schema: CreateWorkspaceBody, required: true },
      responses: {
        200: {
          description: 'The new workspace',
          content: { [JSON_TYPE]: envelope({ workspace: WorkspaceWire }) },
        },
      },
    },
    handler: async ({ body: b }, userId) => {
      const ws = await createWorkspace(d, userId!, {
        name: b.name,
        description: b.description,
        ...(b.default_job_type !== undefined ? { defaultJobType: b.default_job_type } : {}),
        ...b.workspace_details,
      })
      return ok('Successful workspace creation.', { workspace: presentWorkspace(ws) })
    },
  })
  uwsRoute(app, auth, {
    paths: ['/workspaces/:id/'],
    method: 'PUT',
    access: 'user',
    doc: {
      summary: 'Update a workspace (name, description, default job type; add files and symlinks)',
      params: IdParams,
      body: { schema: UpdateWorkspaceBody },
      responses: { 200: done('Updated') },
    },
    handler: async ({ params, body: b }, userId) => {
      await updateWorkspace(d, userId!, params.id, {
        ...(b.name !== undefined ? { name: b.name } : {}),
        ...(b.description !== undefined ? { description: b.description } : {}),
        ...(b.default_job_type !== undefined ? { defaultJobType: b.default_job_type } : {}),
        ...b.workspace_details,
      })
      return ok('Update successful.')
    },
  })
  uwsRoute(app, auth, {
    paths: ['/workspaces/:id/'],
    method: 'DELETE',
    access: 'user',
    doc: {
      summary: 'Delete a workspace (queued)',
      params: IdParams,
      responses: { 200: done('Queued for deletion') },
    },
    handler: async ({ params: { id } }, userId) => {
      await deleteWorkspace(d, userId!, id)
      return ok(`Workspace ${id} queued for deletion.`)
    },
  })
}
