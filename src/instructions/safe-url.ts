/**
 * The URL policy of rendered instructions. Checks run on the URL as the browser will see it (entities
 * already decoded); anything that might carry a scheme other than the allowed ones is refused.
 */

/**
 * The lower-cased scheme of `url`, or undefined for a relative URL. Like a browser, ignores leading
 * control characters and spaces and every tab and newline; a colon anywhere before the first `/`, `?` or `#`
 * counts as a scheme separator, so odd spellings come out as odd schemes that no allow-list contains.
 */
export function urlScheme(url: string): string | undefined {
  const m = /^([^/?#]*?):/.exec(asBrowserReadsIt(url))
  return m ? m[1]!.toLowerCase() : undefined
}

/** Whether a link may point at `url`: http(s), mailto, or relative. */
export function isSafeLinkUrl(url: string): boolean {
  const scheme = urlScheme(url)
  return scheme === undefined || scheme === 'http' || scheme === 'https' || scheme === 'mailto'
}

/** Whether an image may load from `url`: http(s) or relative (no `data:`, no `mailto:`). */
export function isSafeImageUrl(url: string): boolean {
  const scheme = urlScheme(url)
  return scheme === undefined || scheme === 'http' || scheme === 'https'
}

/** Whether `url` leaves the dashboard's origin: an http(s) URL or a protocol-relative one (`//host`). */
export function isExternalUrl(url: string): boolean {
  const scheme = urlScheme(url)
  return scheme === 'http' || scheme === 'https' || /^[/\\]{2}/.test(asBrowserReadsIt(url))
}

/** `url` as an absolute http(s) URL in the browser's own spelling, or undefined when it is not one. */
export function absoluteHttpUrl(url: string): string | undefined {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return undefined
  }
  return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : undefined
}

/** `url` without what a browser's URL parser drops: leading controls and spaces, tabs and newlines. */
function asBrowserReadsIt(url: string): string {
  // eslint-disable-next-line no-control-regex
  return url.replace(/[\t\n\r]/g, '').replace(/^[\u0000-\u0020]+/, '')
}
