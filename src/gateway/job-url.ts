/**
 * A job's web UI as the gateway serves it: under `/passthrough/<id>/` (the job's base URL, which a
 * program that serves its own base URL, such as Jupyter, is started with), entered once with
 * `?labgate_ticket=<ticket>`. Pure.
 */

/** The query parameter that carries a job ticket on the entry URL. */
export const TICKET_PARAM = 'labgate_ticket'

/** The path prefix of job `jobId`'s web UI, ending in `/`. */
export const jobBasePath = (jobId: number): string => `/passthrough/${jobId}/`

/**
 * The URL path (and query) that opens job `jobId`'s web UI at `typePath` (relative to its base, e.g.
 * `lab?token=x` or ''), with the ticket appended as `labgate_ticket`.
 */
export function jobEntryPath(jobId: number, typePath: string, ticket: string): string {
  const path = jobBasePath(jobId) + typePath.replace(/^\/+/, '')
  const sep = path.includes('?') ? (path.endsWith('?') || path.endsWith('&') ? '' : '&') : '?'
  return `${path}${sep}${TICKET_PARAM}=${encodeURIComponent(ticket)}`
}

/** A job id from a path segment: a positive decimal integer without leading zeros, else null. */
export function parseJobId(segment: string): number | null {
  if (!/^[1-9][0-9]{0,15}$/.test(segment)) return null
  const id = Number(segment)
  return Number.isSafeInteger(id) ? id : null
}

/**
 * Splits the ticket off a request URL (path and query): the first `labgate_ticket` value (null when there is
 * none) and the same URL without any `labgate_ticket` parameter, every other parameter kept as it was sent.
 */
export function takeTicket(url: string): { ticket: string | null; rest: string } {
  const q = url.indexOf('?')
  if (q < 0) return { ticket: null, rest: url }
  let ticket: string | null = null
  const kept: string[] = []
  for (const part of url.slice(q + 1).split('&')) {
    const eq = part.indexOf('=')
    const name = eq < 0 ? part : part.slice(0, eq)
    if (safeDecode(name.replaceAll('+', ' ')) !== TICKET_PARAM) {
      if (part) kept.push(part)
      continue
    }
    ticket ??= eq < 0 ? '' : safeDecode(part.slice(eq + 1).replaceAll('+', ' '))
  }
  return { ticket, rest: url.slice(0, q) + (kept.length ? `?${kept.join('&')}` : '') }
}

/**
 * The path (and query) the job's program is asked for, given the gateway URL `url` (which starts with the
 * job's base path): the full URL when the program serves its base URL itself, else the URL with
 * `/passthrough/<id>` removed. Null when `url` is not under the job's base path.
 */
export function upstreamPath(url: string, jobId: number, servesBaseUrl: boolean): string | null {
  const base = jobBasePath(jobId)
  if (!url.startsWith(base)) return null
  return servesBaseUrl ? url : url.slice(base.length - 1)
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}
