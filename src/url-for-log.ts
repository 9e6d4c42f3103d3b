/**
 * A URL, or a request's path, as a log line may show it: without its query string and fragment (which
 * may carry tokens, as Educates' `config/<type>?token=…` does) and without user info; `?…` marks a query
 * that was there. Something that is not a URL is shown as `(unparsable URL)`.
 */
export function urlForLog(url: string): string {
  if (url.startsWith('/')) {
    const path = url.split(/[?#]/, 1)[0]!
    return url.length > path.length && url[path.length] === '?' ? `${path}?…` : path
  }
  try {
    const u = new URL(url)
    return `${u.origin}${u.pathname}${u.search ? '?…' : ''}`
  } catch {
    return '(unparsable URL)'
  }
}
