/**
 * What the `slurm` backend needs of a Slurm cluster, as slurmrestd offers it. `slurmrestd-client.ts`
 * implements it over slurmrestd's REST API (a unix socket with local auth, or HTTP with a JWT).
 */

/** A batch job to submit: one task on one node, running `script` in `workDir`. */
export interface SlurmSubmission {
  /** The job's name (`--job-name`). labgate's jobs are named `labgate.<session>`. */
  name: string
  /** The job's comment (`--comment`): labgate marks its jobs with it (which portal submitted them). */
  comment: string
  /** The batch script, starting with `#!`. */
  script: string
  /** Its working directory (must exist on the compute node). */
  workDir: string
  /** Where its standard output and error go (a path on the compute node). */
  output: string
  /** The job's whole environment (nothing of the submitter's is added). */
  environment: Record<string, string>
  partition?: string
  account?: string
  /** Minutes; absent: the partition's default. */
  timeLimitMinutes?: number
  cpusPerTask?: number
  /** Megabytes per node; absent: the partition's default. */
  memoryPerNodeMb?: number
}

/** A job as the cluster reports it. Times are seconds since the epoch (0: not yet). */
export interface SlurmJob {
  jobId: number
  name: string
  comment: string
  /** Slurm's base state: `PENDING`, `RUNNING`, `COMPLETING`, `COMPLETED`, `CANCELLED`, `TIMEOUT`, `FAILED`, ... */
  state: string
  /** Why it is pending or how it ended (`None`, `Priority`, `TimeLimit`, `NonZeroExitCode`, ...). */
  reason: string
  submitTime: number
  startTime: number
  endTime: number
  /** Minutes; null: unlimited. */
  timeLimitMinutes: number | null
  /** The batch script's exit status once it ended, else null. */
  exitCode: number | null
  /** The node(s) it runs on, '' while pending. */
  nodes: string
}

/** A connection to slurmrestd. Every call rejects with `LabgateError('backend_failed', ...)` saying what failed. */
export interface SlurmApi {
  /** The OpenAPI version in use (`v0.0.38`, ...): the newest the server offers of those this client speaks. */
  readonly version: string
  /** Resolves when slurmctld answers. */
  ping(): Promise<void>
  /** Submits a batch job; resolves with its id. */
  submit(job: SlurmSubmission): Promise<number>
  /** The job, or null when the cluster does not know it (never submitted, or forgotten after it ended). */
  job(jobId: number): Promise<SlurmJob | null>
  /** Every job the cluster knows (running, pending and recently ended). */
  jobs(): Promise<SlurmJob[]>
  /** Signals a job to end (scancel). Resolves also when the job has already ended or is unknown. */
  cancel(jobId: number): Promise<void>
  /** Releases the connection's resources (kept-alive sockets). */
  close(): void
}
