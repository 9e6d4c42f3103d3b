import { unauthenticated } from '../../domain/errors.js'
import { bearerToken } from '../../http/bearer.js'

/** The original's 401 messages, word for word. */
export const AUTH_MESSAGES = {
  format: 'Invalid auth header format.',
  unknown: 'Invalid token provided.',
  missing: 'Authentication credentials were not provided.',
} as const

/**
 * The token a request carries: `UWS-Authorization: Token <key>` (split at the first space, the first word
 * ignored, as the original does) or `Authorization: Bearer <key>`. Null when neither header is present
 * (an anonymous caller); throws `unauthenticated` "Invalid auth header format." for a header of another
 * shape, which fails every endpoint, open ones included.
 */
export function tokenOf(headers: Record<string, string | string[] | undefined>): string | null {
  const uws = headers['uws-authorization']
  if (uws !== undefined) {
    const value = Array.isArray(uws) ? uws[0] : uws
    const space = value?.indexOf(' ') ?? -1
    const key = space > 0 ? value!.slice(space + 1) : ''
    if (!key || /\s/.test(key)) throw unauthenticated(AUTH_MESSAGES.format)
    return key
  }
  const auth = headers.authorization
  if (auth === undefined) return null
  const token = bearerToken(Array.isArray(auth) ? auth[0] : auth)
  if (!token) throw unauthenticated(AUTH_MESSAGES.format)
  return token
}
