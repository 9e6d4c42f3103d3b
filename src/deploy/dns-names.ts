import { isDnsLabel } from '../config/names.js'

/**
 * True when `name` is a DNS name as Kubernetes takes it for hosts and object names (an RFC 1123
 * subdomain): dot-separated DNS labels (lower-case letters, digits, inner dashes, at most 63 each), at
 * most 253 characters in all. No trailing dot, no wildcard, no upper case.
 */
export function isDnsName(name: string): boolean {
  return name.length > 0 && name.length <= 253 && name.split('.').every(isDnsLabel)
}

/**
 * True when `host` is a wildcard host as an Ingress takes it: `*.` and then a DNS name
 * (`*.labs.example.org`). The wildcard covers exactly one label.
 */
export function isWildcardHost(host: string): boolean {
  return host.startsWith('*.') && isDnsName(host.slice(2))
}
