import type { JobRecord } from '../../store/workspace-records.js'

/**
 * Runs jobs' sandboxes: launches a pending job, follows it (readiness, time limit, exit), stops it, and
 * re-adopts running jobs after a restart. Every change of a job is stored, then announced to
 * {@link onChange} listeners (the job-status WebSocket).
 */
export interface JobRunner {
  /** Calls `listener` with the job after each stored change. Returns a function that unsubscribes. */
  onChange(listener: (job: JobRecord) => void): () => void
}
