import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { JSON_TYPE } from '../../http/openapi/operation.js'
import { createWorkspace } from '../../broker/workspaces/create-workspace.js'
import type { WorkspaceDeps } from '../../broker/workspaces/deps.js'
import { deleteWorkspace } from '../../broker/workspaces/delete-workspace.js'
import { listWorkspaces } from '../../broker/workspaces/read-workspaces.js'
import { updateWorkspace } from '../../broker/workspaces/update-workspace.js'
import { badRequest } from '../../domain/errors.js'
import { isWorkspaceStatus } from '../../domain/workspaces.js'
import { ok } from './envelope.js'
import { presentWorkspace } from './present.js'
import { optionalString, workspaceDetails } from './request-fields.js'
import { idParam, jsonBody, uwsRoute, type UwsAuth } from './uws-route.js'
import { envelope, idParams, WorkspaceInput, WorkspaceWire } from './wire.js'

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
      query: z.object({
        name: z.string().optional(),
        description: z.string().optional(),
        status: z.string().optional().describe('a workspace status; another value matches nothing'),
      }),
      responses: { 200: workspacesAnswer('The workspaces (an empty list when none match)') },
    },
    handler: async (req, userId) => {
      const q = req.query as Record<string, string | undefined>
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
      params: idParams,
      responses: { 200: workspacesAnswer('The workspace (an empty list when it is not theirs)') },
    },
    handler: async (req, userId) => {
      const found = await listWorkspaces(d, userId!, { id: idParam(req) })
      return ok(found.length ? 'Successful.' : NONE_FOUND, { workspaces: found.map(presentWorkspace) })
    },
  })
  uwsRoute(app, auth, {
    paths: ['/workspaces/'],
    method: 'POST',
    access: 'user',
    doc: {
      summary: 'Create a workspace (its files and symlinks are set up in the background)',
      body: { schema: WorkspaceInput, types: [JSON_TYPE], required: true },
      responses: {
        200: {
          description: 'The new workspace',
          content: { [JSON_TYPE]: envelope({ workspace: WorkspaceWire }) },
        },
      },
    },
    handler: async (req, userId) => {
      const body = jsonBody(req)
      const name = optionalString(body, 'name')
      const description = optionalString(body, 'description')
      if (name === undefined || description === undefined) throw badRequest('Missing required fields.')
      const defaultJobType = optionalString(body, 'default_job_type')
      const ws = await createWorkspace(d, userId!, {
        name,
        description,
        ...(defaultJobType !== undefined ? { defaultJobType } : {}),
        ...workspaceDetails(body),
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
      params: idParams,
      body: { schema: WorkspaceInput.partial(), types: [JSON_TYPE] },
      responses: { 200: done('Updated') },
    },
    handler: async (req, userId) => {
      const body = jsonBody(req)
      const name = optionalString(body, 'name')
      const description = optionalString(body, 'description')
      const defaultJobType = optionalString(body, 'default_job_type')
      await updateWorkspace(d, userId!, idParam(req), {
        ...(name !== undefined ? { name } : {}),
        ...(description !== undefined ? { description } : {}),
        ...(defaultJobType !== undefined ? { defaultJobType } : {}),
        ...workspaceDetails(body),
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
      params: idParams,
      responses: { 200: done('Queued for deletion') },
    },
    handler: async (req, userId) => {
      const id = idParam(req)
      await deleteWorkspace(d, userId!, id)
      return ok(`Workspace ${id} queued for deletion.`)
    },
  })
}
