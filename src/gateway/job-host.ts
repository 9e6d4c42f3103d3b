/**
 * Host routing for jobs (`spec.labgate.workspaces.domain`, default the gateway's domain): job `<id>`'s web
 * UI is served on its own host `job-<id>.<domain>`, where both `/passthrough/<id>/x` (the URLs a program
 * serving its base URL makes) and `/x` (a program at the root) reach it. Without a domain, jobs share the
 * portal's host (path routing) and their pages are sandboxed into an opaque origin.
 */
import type { IncomingHttpHeaders } from 'node:http'
import { rewriteSessionHost } from '../http/session-url.js'
import { jobBasePath } from './job-url.js'
import { pageHost } from './session-host.js'

const JOB_HOST = /^job-([1-9][0-9]{0,15})$/

/** The job whose own host `host` (a Host header) is under `domain`, or null. */
export function jobOfHost(domain: string | undefined, host: string | undefined): number | null {
  if (!domain || !host) return null
  const h = host.split(':')[0]!.toLowerCase()
  if (!h.endsWith(`.${domain.toLowerCase()}`)) return null
  const m = JOB_HOST.exec(h.slice(0, -domain.length - 1))
  return m ? Number(m[1]) : null
}

/**
 * On a job's own host, the internal URL of a request: `/passthrough/<id>/…` as asked, or `/x` moved under
 * it. Null when `host` is no job's host (the URL is someone else's to route). For Fastify's `rewriteUrl`.
 */
export function rewriteJobHost(
  domain: string | undefined,
  host: string | undefined,
  url: string,
): string | null {
  const id = jobOfHost(domain, host)
  if (id === null) return null
  const base = jobBasePath(id)
  if (url.startsWith(base)) return url
  if (url === base.slice(0, -1) || url.startsWith(`${base.slice(0, -1)}?`)) return url
  return base.slice(0, -1) + (url.startsWith('/') ? url : `/${url}`)
}

/** True when `host` is job `jobId`'s own host (host routing); always false without a domain. */
export const onJobHost = (domain: string | undefined, jobId: number, host: string | undefined): boolean =>
  jobOfHost(domain, host) === jobId

/**
 * Under host routing, where a request for job `jobId` asked on another host (the portal's) belongs: the same
 * URL on the job's own host, `<scheme>://job-<id>.<domain>[:port]<url>` (the portal's scheme and port).
 * Null when it may be served where it is (path routing, or already on the job's host).
 */
export function jobHostTarget(
  domain: string | undefined,
  portalUrl: string,
  jobId: number,
  host: string | undefined,
  url: string,
): string | null {
  if (!domain || onJobHost(domain, jobId, host)) return null
  const portal = new URL(portalUrl)
  return `${portal.protocol}//job-${jobId}.${domain}${portal.port ? `:${portal.port}` : ''}${url}`
}

/**
 * Whether a WebSocket upgrade for job `jobId` may go on, judged by its `Origin`: none (not a browser) may;
 * otherwise the Origin must be the host asked and, under host routing, the job's own host. A page of the
 * portal, of a session or of another job is refused, as is an opaque (`null`) or malformed Origin.
 */
export function originMayUseJob(
  domain: string | undefined,
  jobId: number,
  headers: IncomingHttpHeaders,
): boolean {
  const host = pageHost(headers)
  if (host === undefined) return true
  if (host === null) return false
  return !domain || onJobHost(domain, jobId, host)
}

/**
 * The internal URL of any request, for Fastify's `rewriteUrl` and the `upgrade` listeners: a job's own
 * host first (`rewriteJobHost`), then a session's (`rewriteSessionHost`), else the URL as asked.
 */
export function rewriteHosts(
  labgate: { sessionDomain?: string; workspaces?: { domain?: string } },
  host: string | undefined,
  url: string,
): string {
  return (
    rewriteJobHost(labgate.workspaces?.domain, host, url) ??
    rewriteSessionHost(labgate.sessionDomain, host, url)
  )
}
