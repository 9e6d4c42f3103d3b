import type { JobRecord } from '../../../store/workspace-records.js'

/** A listener of job changes; it must not throw (a throw is caught and ignored). */
export type JobListener = (job: JobRecord) => void

/**
 * The channel that announces every stored change of a job (started, running, ready, stopping, ended):
 * the runner listens to act at once on a stop, and a WebSocket of jobs' statuses can listen later.
 */
export class JobChanges {
  readonly #listeners = new Set<JobListener>()

  /** Calls `listener` with each changed job from now on; returns the function that unsubscribes it. */
  onChange(listener: JobListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Announces `job` (as stored after its change) to every listener. */
  emit(job: JobRecord): void {
    for (const l of [...this.#listeners]) {
      try {
        l(job)
      } catch {
        // A listener's failure is its own: the change happened all the same.
      }
    }
  }
}
