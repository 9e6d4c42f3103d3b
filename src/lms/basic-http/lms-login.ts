/**
 * Who an LMS says it is on gateway4labs' basic-HTTP protocol: an HTTP Basic `Authorization` header, or
 * (as the original accepts) `lms_username` and `lms_password` in the request's JSON. The password is
 * compared in constant time with the registered one.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { LmsRegistration } from '../../config/types.js'

/** A login as presented: a user name and a password. */
export interface PresentedLogin {
  username: string
  password: string
}

/**
 * The login of an `Authorization: Basic <base64(user:password)>` header; null when the header is absent,
 * of another scheme, or not `user:password` once decoded. The password is everything after the first colon.
 */
export function basicLogin(header: string | undefined): PresentedLogin | null {
  const m = /^basic\s+([A-Za-z0-9+/=._~-]+)\s*$/i.exec(header ?? '')
  if (!m) return null
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return null
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}

/** The login in a request's JSON (`lms_username`, `lms_password`, both strings), or null. */
export function jsonLogin(json: Record<string, unknown> | null): PresentedLogin | null {
  const username = json?.lms_username
  const password = json?.lms_password
  return typeof username === 'string' && typeof password === 'string' ? { username, password } : null
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest()

/** True when `presented` equals `expected`, in time independent of where they differ or of their lengths. */
export function sameSecret(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected))
}

/**
 * The LMS whose `basicHttp` login `login` is: `{lms}` when the user name is registered and the password
 * matches, `{lms: null, known}` otherwise (`known` the registration of the user name, for the audit, when
 * only the password was wrong). A password is compared even for an unknown user name, so both take as long.
 */
export function authenticateLms(
  registrations: readonly LmsRegistration[],
  login: PresentedLogin,
): { lms: LmsRegistration } | { lms: null; known: LmsRegistration | null } {
  const known = registrations.find((l) => l.basicHttp?.username === login.username) ?? null
  const expected = known?.basicHttp?.password
  const ok = sameSecret(login.password, expected ?? '\0no password')
  return ok && known && expected !== undefined ? { lms: known } : { lms: null, known }
}
