import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { JSON_TYPE, MULTIPART_TYPE } from '../../http/openapi/operation.js'
import type { JobDeps } from '../../broker/workspaces/jobs/deps.js'
import { startJob } from '../../broker/workspaces/jobs/start-job.js'
import { stopJob } from '../../broker/workspaces/jobs/stop-job.js'
import { parseWith } from '../../http/validate.js'
import { ok } from './envelope.js'
import { presentJob } from './present.js'
import { JobPutParams, StartJobBody, UploadForm, WorkspacePutParams } from './request-schemas.js'
import { handleUpload } from './upload.js'
import { uwsRoute, type UwsAuth } from './uws-route.js'
import { envelope, JobWire } from './wire.js'

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
      params: WorkspacePutParams,
      handlerBody: {
        description: '`start`: JSON (any content type); `upload`: multipart files, streamed',
        schema: z.union([StartJobBody, UploadForm]),
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
    handler: async ({ params }, userId, req) => {
      if (params.put_type === 'upload') return handleUpload(d, req, userId!, params.id)
      // Only a start reads its body as JSON, so it is parsed here rather than by `uwsRoute`.
      const body = parseWith(StartJobBody, req.body)
      const job = await startJob(d, userId!, params.id, {
        ...(body.job_type != null ? { job_type: body.job_type } : {}),
        ...(body.job_details !== undefined ? { job_details: body.job_details } : {}),
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
      params: JobPutParams,
      responses: {
        200: {
          description: '"Successful stop." or "Job queued to stop."',
          content: { [JSON_TYPE]: envelope() },
        },
      },
    },
    handler: async ({ params }, userId) => {
      const { message } = await stopJob(d, userId!, params.id)
      return ok(message)
    },
  })
}
