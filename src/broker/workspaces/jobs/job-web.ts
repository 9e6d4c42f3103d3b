/**
 * Where a job's web UI is: the base URL the gateway serves it under, the path that tells it is ready,
 * and the `connection_details` the HuBMAP portal opens. Pure.
 */
import type { JobTypeDef } from '../../../config/types.js'

/** The path under which the gateway serves job `jobId`'s web UI (`LABGATE_JOB_BASE_URL`), ending in `/`. */
export const jobBaseUrl = (jobId: number) => `/passthrough/${jobId}/`

/** The sandbox name of job `jobId` of portal `portal` in the backend (`{id}`: the store's template). */
export const jobSandboxName = (portal: string, jobId: number | '{id}') => `${portal}-job${jobId}`

/** The messages of `current_job_details.message`, word for word as the original's clients show them. */
export const JOB_MESSAGES = {
  notReady: 'Webserver not ready.',
  ready: 'Webserver ready.',
  /** A job without a web UI (a batch script) while it runs. */
  running: 'Job running.',
} as const

/**
 * The path to GET inside the sandbox (on the job type's port) that answers once the web UI is ready: the
 * readiness path under the base URL when the program serves it, else under `/`.
 */
export function readinessRequestPath(type: JobTypeDef, jobId: number): string {
  return (type.servesBaseUrl ? jobBaseUrl(jobId) : '/') + type.readinessPath
}

/** The job type's `urlPath` with `{token}` replaced: where its UI opens, relative to the base URL. */
export function typeUrlPath(type: JobTypeDef, token: string): string {
  return type.urlPath.replaceAll('{token}', encodeURIComponent(token))
}

/**
 * The HuBMAP `connection_details` of a ready job: `url_domain` (scheme and host, no trailing slash) and
 * `url_path` (by default the base URL followed by {@link typeUrlPath}; with the gateway, its entry path).
 */
export function connectionDetails(
  type: JobTypeDef,
  jobId: number,
  token: string,
  urlDomain: string,
  urlPath: string = jobBaseUrl(jobId) + typeUrlPath(type, token),
): { url_domain: string; url_path: string } {
  return { url_domain: urlDomain.replace(/\/+$/, ''), url_path: urlPath }
}

/**
 * The `url_domain` of job `jobId`: `<scheme>://job-<id>.<domain>[:<port>]` (the portal's scheme and port)
 * when jobs have a domain of their own,
 * else the portal's origin (the gateway then routes by path alone).
 */
export function jobUrlDomain(publicUrl: string, domain: string | undefined, jobId: number): string {
  const url = new URL(publicUrl)
  return domain ? `${url.protocol}//job-${jobId}.${domain}${url.port ? `:${url.port}` : ''}` : url.origin
}
