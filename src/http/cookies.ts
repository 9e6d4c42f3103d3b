import type { FastifyRequest } from 'fastify'

/** The name of the browser's portal sign-in cookie. */
export const AUTH_COOKIE = 'labgate_auth'

/** Reads one cookie from the request's Cookie header; see {@link cookieFrom}. */
export function readCookie(req: FastifyRequest, name: string): string | null {
  return cookieFrom(req.headers.cookie, name)
}

/**
 * One cookie's value from a Cookie header, or null. When several cookies share the name (path-scoped
 * cookies), the first is the most specific path's, as browsers order them. A value with malformed
 * percent-encoding is null (no usable credential).
 */
export function cookieFrom(header: string | undefined, name: string): string | null {
  if (!header) return null
  for (const part of header.split(';')) {
    const i = part.indexOf('=')
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim())
      } catch {
        return null
      }
    }
  }
  return null
}

/** The attributes of a cookie labgate sets. Every labgate cookie is `HttpOnly`. */
export interface CookieOptions {
  /** `Path`; `/` when absent. */
  path?: string
  sameSite: 'Lax' | 'Strict'
  /** `Max-Age` in seconds (0 clears the cookie); a session cookie when absent. */
  maxAge?: number
  /** Adds `Secure` (set it when the portal is served over https). */
  secure: boolean
}

/**
 * A `Set-Cookie` header value: `name=value; Path=…; HttpOnly; SameSite=…[; Max-Age=…][; Secure]`. The
 * value is written as given: callers percent-encode values that may hold reserved characters.
 */
export function serializeCookie(name: string, value: string, o: CookieOptions): string {
  const maxAge = o.maxAge === undefined ? '' : `; Max-Age=${o.maxAge}`
  return `${name}=${value}; Path=${o.path ?? '/'}; HttpOnly; SameSite=${o.sameSite}${maxAge}${o.secure ? '; Secure' : ''}`
}

/** True when `portalUrl` is served over https, so that cookies must be `Secure`. */
export const isSecure = (portalUrl: string): boolean => portalUrl.startsWith('https:')
