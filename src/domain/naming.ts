/** Names never repeat: `<portal>-wNN` for environments and `<environment>-sNNN` for sessions. */

const SAFE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const MAX_NAME_LENGTH = 253

function counter(n: number, width: number, what: string): string {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RangeError(`${what} number must be a non-negative integer: ${n}`)
  return String(n).padStart(width, '0')
}

/**
 * The name of the `n`th environment of a portal: `${portal}-w${n}` with `n` zero-padded to 2 digits
 * (`lab-w01`); from 100 on it just grows (`lab-w100`). Throws RangeError for a negative or non-integer `n`.
 */
export function environmentName(portal: string, n: number): string {
  return `${portal}-w${counter(n, 2, 'environment')}`
}

/**
 * The name of the `n`th session of an environment: `${environment}-s${n}` with `n` zero-padded to 3 digits
 * (`lab-w01-s001`). Throws RangeError for a negative or non-integer `n`.
 */
export function sessionName(environment: string, n: number): string {
  return `${environment}-s${counter(n, 3, 'session')}`
}

/**
 * True only for a DNS-label-like name: lowercase ASCII letters, digits and inner hyphens, 1 to 253 chars.
 * Dots, slashes, percent-escapes, uppercase, whitespace and control characters are all refused, so a name
 * taken from a URL segment can never be a path trick (`..`, `a/b`, `%2e%2e`).
 */
export function isSafeName(s: string): boolean {
  return typeof s === 'string' && s.length <= MAX_NAME_LENGTH && SAFE_NAME.test(s)
}
