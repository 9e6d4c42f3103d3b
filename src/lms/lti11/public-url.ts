/**
 * The URL a request was signed for. A consumer signs the URL it posted to, which is the public one; behind
 * a TLS-terminating proxy the tool sees plain http. `X-Forwarded-Proto` is believed only when the caller
 * says the proxy in front is trusted: anyone can send that header.
 */

/** Where the request came in, as the caller knows it. */
export interface PublicUrlInput {
  /** The request's URL with scheme, host (and port) and the path and query as received. */
  url: string
  /** The `X-Forwarded-Proto` header, if any (the first of a comma-separated list is used). */
  forwardedProto?: string | undefined
  /** True when a proxy the deployment trusts sits in front and sets `X-Forwarded-Proto`. */
  trustProxy?: boolean | undefined
}

/**
 * `url`, switched to https when the proxy is trusted and it says the request arrived over https. Other
 * values of the header (and any value from an untrusted peer) leave the URL as it is. Throws TypeError when
 * `url` does not parse.
 */
export function publicUrl({ url, forwardedProto, trustProxy }: PublicUrlInput): string {
  const u = new URL(url)
  const proto = forwardedProto?.split(',')[0]?.trim().toLowerCase()
  if (trustProxy === true && proto === 'https' && u.protocol === 'http:') {
    u.protocol = 'https:'
    // The proxy's listening port is not known here; an explicit :80 was the backend's, not the public one.
    if (u.port === '80') u.port = ''
  }
  return u.toString()
}
