import type { FastifyRequest } from 'fastify'

/** The query parameter that marks a request already sent to the canonical host (never sent twice). */
export const CANONICAL_MARK = 'lg_canonical'

/**
 * Where a browser's GET should go instead when it reached labgate on another host name than `canonical`'s
 * (say `localhost` for `127.0.0.1`): `target` (default: the same path and query) on the canonical origin,
 * marked so that it is redirected at most once (a proxy that rewrites `Host` cannot cause a loop). Null
 * when the request is on the canonical host already, or was redirected before. Cookies live per host, so
 * sign-in steps that hand over cookies must all happen on one host; the target is always the configured
 * URL, never one built from the request's `Host`.
 */
export function canonicalRedirect(
  req: FastifyRequest,
  canonical: string,
  target: string = req.url,
): string | null {
  const base = new URL(canonical)
  if ((req.headers.host ?? '').toLowerCase() === base.host.toLowerCase()) return null
  if (new URL(req.url, base).searchParams.has(CANONICAL_MARK)) return null
  const url = new URL(target, base)
  url.searchParams.set(CANONICAL_MARK, '1')
  return url.toString()
}
