import { randomBytes } from 'node:crypto'
import type { JobTypeDef } from '../../../config/types.js'
import { badRequest, notFound, unprocessable } from '../../../domain/errors.js'
import { checkResourceOptions, invalidOptionsMessage } from '../../../domain/resource-options.js'
import type { JobRecord, WorkspaceRecord } from '../../../store/workspace-records.js'
import { getWorkspace } from '../read-workspaces.js'
import type { JobDeps } from './deps.js'
import { endJob } from './end-job.js'
import { jobSandboxSpec } from './job-spec.js'
import { JOB_MESSAGES, jobSandboxName } from './job-web.js'

/** A start as clients send it (`PUT /workspaces/<id>/start/`). */
export interface StartJobInput {
  /** A configured job type; absent: the workspace's default job type. */
  job_type?: string
  /** Kept as asked in `request_job_details`. */
  job_details?: Record<string, unknown>
  /** Checked against the parameters of `GET /parameters/`. */
  resource_options?: unknown
}

/**
 * Starts a job on one of `ownerId`'s workspaces: the job is stored `pending`, the workspace becomes
 * `active` (with `datetime_last_job_launch` now), then the job's sandbox is started (see
 * {@link jobSandboxSpec}) and the job is `running`, "Webserver not ready." until the runner finds its web
 * UI answering. Resolves with the job as it is then.
 *
 * Throws `not_found` for someone else's or no workspace; `bad_request` when the workspace is not idle or
 * active, or for an unknown (or absent, without a default) job type; `unprocessable` "Invalid resource
 * options found: [...]" for bad resource options (nothing is stored for any of these). When the sandbox
 * cannot start, the job ends `failed` with the reason in its message and the backend's error is thrown.
 */
export async function startJob(
  d: JobDeps,
  ownerId: string,
  workspaceId: number,
  i: StartJobInput,
): Promise<JobRecord> {
  const ws = await getWorkspace(d, ownerId, workspaceId)
  if (!ws) throw notFound(`Workspace ${workspaceId} not found.`)
  const typeId = i.job_type ?? ws.defaultJobType
  if (!typeId) throw badRequest('Missing job_type, and the workspace has no default_job_type.')
  const type = d.settings.jobTypes.find((t) => t.id === typeId)
  if (!type) {
    throw badRequest(
      `Invalid job_type ${JSON.stringify(typeId)}: expected one of ${d.settings.jobTypes.map((t) => t.id).join(', ')}.`,
    )
  }
  const verdict = checkResourceOptions(i.resource_options, d.settings.parameters)
  if (!verdict.ok) throw unprocessable(invalidOptionsMessage(verdict.problems))
  const token = randomBytes(24).toString('hex')
  const now = d.clock.now()
  const job = await d.workspaces.transaction(async (tx) => {
    const active = await tx.updateWorkspace(workspaceId, { status: 'active', lastJobLaunchAt: now }, [
      'idle',
      'active',
    ])
    if (!active) throw notReady(ws)
    return tx.createJob({
      workspaceId,
      ownerId,
      jobType: type.id,
      status: 'pending',
      handle: null,
      // The store puts the new id in place of {id}.
      sandbox: jobSandboxName(d.portalName, '{id}'),
      resourceOptions: verdict.options,
      details: {
        metrics: {},
        request_job_details: {
          job_type: type.id,
          job_details: i.job_details ?? {},
          resource_options: verdict.options,
        },
        current_job_details: { proxy_details: { port: type.port, token } },
      },
      coreHours: 0,
      createdAt: now,
      startedAt: null,
      endedAt: null,
    })
  })
  d.changes.emit(job)
  return launchJob(d, job, type, ws, token)
}

const notReady = (ws: WorkspaceRecord) =>
  badRequest(`Workspace ${ws.id} is ${ws.status}: jobs start only on an idle or active workspace.`)

/** The job's token, kept in its details from the start (null for a job stored without one). */
export function jobToken(job: JobRecord): string | null {
  const proxy = job.details.current_job_details.proxy_details as { token?: unknown } | undefined
  return typeof proxy?.token === 'string' ? proxy.token : null
}

async function launchJob(
  d: JobDeps,
  job: JobRecord,
  type: JobTypeDef,
  ws: WorkspaceRecord,
  token: string,
): Promise<JobRecord> {
  const ref = { ownerId: ws.ownerId, id: ws.id }
  const spec = jobSandboxSpec({
    jobId: job.id,
    portalName: d.portalName,
    type,
    options: job.resourceOptions,
    home: { dir: d.storage.dir(ref), owner: d.storage.owner(ref) },
    dataRoots: d.storage.dataRoots,
    token,
  })
  let info
  try {
    info = await d.backend.start(spec)
  } catch (err) {
    d.log(`job ${job.id}: sandbox did not start: ${(err as Error).message}`)
    await endJob(d, job, 'failed', `The job could not start: ${(err as Error).message}`)
    throw err
  }
  for (const w of info.warnings) d.log(`job ${job.id}: ${w}`)
  const running = await d.workspaces.updateJob(
    job.id,
    {
      status: 'running',
      handle: info.handle,
      startedAt: d.clock.now(),
      details: {
        ...job.details,
        current_job_details: {
          ...job.details.current_job_details,
          message: type.port !== null ? JOB_MESSAGES.notReady : JOB_MESSAGES.running,
        },
      },
    },
    ['pending'],
  )
  if (!running) {
    // Stopped while its sandbox started: the sandbox goes, the job stays as the stop left it.
    await d.backend
      .stop(info.handle, { purge: true })
      .catch((e: unknown) => d.log(`job ${job.id}: stopping its sandbox failed: ${String(e)}`))
    return (await d.workspaces.getJob(job.id)) ?? job
  }
  d.changes.emit(running)
  return running
}
