import { notFound, badRequest } from '../../../domain/errors.js'
import { STOP_MESSAGES, stopOutcome } from '../../../domain/workspaces.js'
import type { JobRecord } from '../../../store/workspace-records.js'
import type { JobDeps } from './deps.js'
import { endJob } from './end-job.js'

/**
 * Stops one of `ownerId`'s jobs as the original does ({@link stopOutcome}): a job whose sandbox never
 * started ends `complete` at once ("Successful stop."); a pending or running one with a sandbox becomes
 * `stopping` ("Job queued to stop.") and the job runner stops its sandbox and ends it `complete` soon after.
 * Throws `bad_request` "This job is not running or pending." for a job stopping or ended, `not_found` for
 * someone else's or no job. Resolves with the message to answer and the job as it is now.
 */
export async function stopJob(
  d: JobDeps,
  ownerId: string,
  jobId: number,
): Promise<{ message: string; job: JobRecord }> {
  const job = await d.workspaces.getJob(jobId)
  if (!job || job.ownerId !== ownerId) throw notFound(`Job ${jobId} not found.`)
  const outcome = stopOutcome(job.status, job.handle !== null)
  if (outcome === 'refuse') throw badRequest(STOP_MESSAGES.refuse)
  if (outcome === 'end_now') {
    // Only while still pending: its sandbox may have started meanwhile, and the stop then queues instead.
    const ended = await endJob(d, job, 'complete', STOP_MESSAGES.end_now, ['pending'])
    if (ended) return { message: STOP_MESSAGES.end_now, job: ended }
    return stopJob(d, ownerId, jobId)
  }
  const stopping = await d.workspaces.updateJob(
    jobId,
    {
      status: 'stopping',
      details: {
        ...job.details,
        current_job_details: { ...job.details.current_job_details, message: STOP_MESSAGES.queue },
      },
    },
    ['pending', 'running'],
  )
  if (!stopping) throw badRequest(STOP_MESSAGES.refuse)
  d.changes.emit(stopping)
  return { message: STOP_MESSAGES.queue, job: stopping }
}
