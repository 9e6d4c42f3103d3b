import type { SlurmApi, SlurmJob } from './slurm-api.js'

/** How long one listing of the cluster's jobs answers every `get`, ms. */
const FRESH_MS = 1000

/**
 * The cluster's jobs as one listing shared by every caller for a second: the reconciler observes every
 * session each pass, and one `GET /jobs` serves them all instead of one request per session. A job the
 * listing lacks (submitted after it) is asked for on its own.
 */
export class JobBoard {
  readonly #slurm: SlurmApi
  #listing: { at: number; jobs: Promise<Map<number, SlurmJob>> } | null = null

  constructor(slurm: SlurmApi) {
    this.#slurm = slurm
  }

  /** The job (null: Slurm does not know it), from a listing at most a second old. */
  async get(jobId: number): Promise<SlurmJob | null> {
    const now = Date.now()
    if (!this.#listing || now - this.#listing.at > FRESH_MS) {
      const jobs = this.#slurm.jobs().then((list) => new Map(list.map((j) => [j.jobId, j])))
      this.#listing = { at: now, jobs }
      jobs.catch(() => {
        if (this.#listing?.jobs === jobs) this.#listing = null
      })
    }
    const hit = (await this.#listing.jobs).get(jobId)
    return hit ?? this.fresh(jobId)
  }

  /** The job as Slurm reports it now (null: unknown); later `get`s see it too. */
  async fresh(jobId: number): Promise<SlurmJob | null> {
    const job = await this.#slurm.job(jobId)
    const listing = this.#listing
    if (listing) {
      const jobs = await listing.jobs.catch(() => null)
      if (jobs && job) jobs.set(jobId, job)
      else jobs?.delete(jobId)
    }
    return job
  }
}
