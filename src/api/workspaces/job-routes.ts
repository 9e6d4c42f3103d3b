import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { JSON_TYPE, MULTIPART_TYPE } from '../../http/openapi/operation.js'
import type { JobDeps } from '../../broker/workspaces/jobs/deps.js'
import { startJob } from '../../broker/workspaces/jobs/start-job.js'
import { stopJob } from '../../broker/workspaces/jobs/stop-job.js'
import { badRequest } from '../../domain/errors.js'
import { ok } from './envelope.js'
import { presentJob } from './present.js'
import { optionalString } from './request-fields.js'
import { handleUpload } from './upload.js'
import { idParam, jsonBody, uwsRoute, type UwsAuth } from './uws-route.js'
import { envelope, idParams, JobWire } from './wire.js'

/** The original's answer to a PUT of a type it does not know, word for word (400). */
export const INVALID_PUT_TYPE = 'Invalid PUT type passed.'

/**
 * `PUT /workspaces/<id>/upload/` (multipart, see `upload.ts`), `PUT /workspaces/<id>/start/` (body `{job_type?, job_details?, resource_options}`; answers "Successful
 * start." with `data.job`, whose `core_hours` is the number 0 as in the original's start answer) and
 * `PUT /jobs/<id>/stop/` ("Successful stop." or "Job queued to stop."), with and without the trailing
 * slash; any other PUT type is a 400 "Invalid PUT type passed.".
 */
export function jobRoutes(app: FastifyInstance, auth: UwsAuth, d: JobDeps): void {
  uwsRoute(app, auth, {
    paths: ['/workspaces/:id/:put_type/'],
    method: 'PUT',
    access: 'user',
    doc: {
      summary: 'Start a job on a workspace (`start`) or upload files into it (`upload`)',
      params: idParams.extend({ put_type: z.enum(['start', 'upload']) }),
      body: {
        description: '`start`: JSON; `upload`: multipart files',
        schema: z.union([
          z.object({
            job_type: z.string().nullable().optional(),
            job_details: z.record(z.unknown()).optional(),
            resource_options: z.unknown(),
          }),
          z.record(z.unknown()),
        ]),
        types: [JSON_TYPE, MULTIPART_TYPE],
      },
      responses: {
        200: {
          description: 'The started job (`core_hours` the number 0), or the upload done',
          content: {
            [JSON_TYPE]: z.union([
              envelope({ job: JobWire.extend({ core_hours: z.literal(0) }) }),
              envelope(),
            ]),
          },
        },
      },
    },
    handler: async (req, userId) => {
      const putType = (req.params as Record<string, string>).put_type
      if (putType === 'upload') return handleUpload(d, req, userId!, idParam(req))
      if (putType !== 'start') throw badRequest(INVALID_PUT_TYPE)
      const id = idParam(req)
      const body = jsonBody(req)
      const jobType = body.job_type === null ? undefined : optionalString(body, 'job_type')
      const details = body.job_details
      if (
        details !== undefined &&
        (typeof details !== 'object' || details === null || Array.isArray(details))
      ) {
        throw badRequest('job_details must be an object.')
      }
      const job = await startJob(d, userId!, id, {
        ...(jobType !== undefined ? { job_type: jobType } : {}),
        ...(details !== undefined ? { job_details: details as Record<string, unknown> } : {}),
        resource_options: body.resource_options,
      })
      return ok('Successful start.', { job: { ...presentJob(job), core_hours: 0 } })
    },
  })
  uwsRoute(app, auth, {
    paths: ['/jobs/:id/:put_type/'],
    method: 'PUT',
    access: 'user',
    doc: {
      summary: 'Stop a job (`stop`)',
      params: idParams.extend({ put_type: z.literal('stop') }),
      responses: {
        200: {
          description: '"Successful stop." or "Job queued to stop."',
          content: { [JSON_TYPE]: envelope() },
        },
      },
    },
    handler: async (req, userId) => {
      if ((req.params as Record<string, string>).put_type !== 'stop') throw badRequest(INVALID_PUT_TYPE)
      const { message } = await stopJob(d, userId!, idParam(req))
      return ok(message)
    },
  })
}
