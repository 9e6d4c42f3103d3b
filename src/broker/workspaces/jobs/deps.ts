import type { SessionBackend } from '../../../backends/backend.js'
import type { JobRecord } from '../../../store/workspace-records.js'
import type { WorkspaceDeps } from '../deps.js'
import type { JobChanges } from './job-changes.js'

/** What the job use cases and the job runner need, wired once in `src/main/`. */
export interface JobDeps extends WorkspaceDeps {
  /** The session backend jobs' sandboxes run on. */
  backend: SessionBackend
  /** The portal's name: a job's sandbox is `<portal>-job<id>`. */
  portalName: string
  /** `url_domain` of a job's `connection_details`: scheme and host its web UI is served at. */
  urlDomain: (jobId: number) => string
  /** Where every change of a job is announced (the runner and the job-status WebSocket listen). */
  changes: JobChanges
  /** How owners enter a ready job's web UI; absent: `url_path` is the bare base URL and type path. */
  entry?: JobEntry
}

/** How a ready job's web UI is entered (the job gateway's tickets). */
export interface JobEntry {
  /**
   * The path (and query) that opens `typePath` (relative to the job's base URL, e.g. `lab?token=…`) for
   * the job's owner, with whatever credential gets them in.
   */
  open(job: JobRecord, typePath: string): Promise<string>
  /** Ends every credential `open` gave out for the job (it ended). */
  close(jobId: number): Promise<void>
}
