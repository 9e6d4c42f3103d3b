import { badRequest } from '../domain/errors.js'

/**
 * Checks an `index_url` from a request: it must be an absolute http(s) URL (no `javascript:`, `data:`,
 * relative or protocol-relative URLs) and, when `allowedOrigins` is not empty, its origin must be one of
 * them or the portal's own. Returns the normalized URL; throws bad_request naming the problem.
 */
export function checkIndexUrl(raw: string, allowedOrigins: string[], portalOrigin: string): string {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw badRequest('index_url must be an absolute http(s) URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw badRequest('index_url must be an absolute http(s) URL')
  if (url.username || url.password) throw badRequest('index_url must not contain credentials')
  if (allowedOrigins.length > 0 && url.origin !== portalOrigin && !allowedOrigins.includes(url.origin)) {
    throw badRequest(`index_url origin ${url.origin} is not allowed`)
  }
  return url.toString()
}

/** Educates' notification codes for redirects back to the index URL. */
export type Notification =
  'session-deleted' | 'workshop-invalid' | 'session-unavailable' | 'session-invalid' | 'startup-timeout'

/** `indexUrl` with `notification=<code>` set (replacing any earlier one). */
export function withNotification(indexUrl: string, code: Notification): string {
  const url = new URL(indexUrl)
  url.searchParams.set('notification', code)
  return url.toString()
}

/**
 * Where a learner is sent once their session has ended: `indexUrl` with `notification=session-deleted`,
 * or null when there is no index URL (the caller then answers with its own page or error).
 */
export function sessionDeletedUrl(indexUrl: string | null | undefined): string | null {
  return indexUrl ? withNotification(indexUrl, 'session-deleted') : null
}
