import type { ConfigNode } from './config-node.js'
import { describeValue } from './describe-value.js'
import { isHttpUrl, readRequiredString } from './read-values.js'

/**
 * What a plain-http URL costs: `error` where the peer's answers are trusted for sign-in (LTI 1.3 keys,
 * tokens and redirects: an on-path attacker would sign users in), `warn` where only a password or a lab's
 * address would travel in the clear.
 */
export type PlainHttp = 'error' | 'warn'

/**
 * True for hosts that never leave the machine: `localhost` and `*.localhost`, 127.0.0.0/8 and `[::1]`.
 * Plain http to them is fine (a test platform, a lab system beside labgate).
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '')
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    /^127(\.\d{1,3}){3}$/.test(host) ||
    host === '[::1]'
  )
}

/**
 * The URL of a service labgate calls or sends browsers to: required, an absolute http(s) URL, returned as
 * written. A plain-http URL to a host other than the loopback (`isLoopbackHost`) is reported as `plainHttp`
 * says; an error also returns `undefined`. A URL with a user or password in it is an error (credentials
 * have fields of their own).
 */
export function readEndpointUrl(node: ConfigNode, plainHttp: PlainHttp): string | undefined {
  const text = readRequiredString(node)
  if (text === undefined) return undefined
  if (!isHttpUrl(text)) {
    node.error(`expected an absolute http(s) URL, got ${describeValue(text)}`)
    return undefined
  }
  const url = new URL(text)
  if (url.username || url.password) {
    node.error('must not hold a user name or password; give them in their own fields')
    return undefined
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    if (plainHttp === 'error') {
      node.error(`must be https (plain http only to localhost or 127.0.0.1), got ${describeValue(text)}`)
      return undefined
    }
    node.warn(`is plain http to another machine: credentials and answers travel unencrypted; prefer https`)
  }
  return text
}
