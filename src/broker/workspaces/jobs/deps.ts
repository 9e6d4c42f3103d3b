import type { SessionBackend } from '../../../backends/backend.js'
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
  /** Where every change of a job is announced (the runner listens; later a WebSocket). */
  changes: JobChanges
}
