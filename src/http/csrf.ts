import type { FastifyReply, FastifyRequest } from 'fastify'
import { forbidden } from '../domain/errors.js'
import { cookieFrom, serializeCookie } from './cookies.js'
import { constantTimeEqual, randomToken } from '../auth/secrets.js'

/** The name of the form field that carries the CSRF token. */
export const CSRF_FIELD = 'csrf'

/**
 * The CSRF cookie's name: `labgate_csrf`, with the `__Host-` prefix on https so that a sibling host (a
 * session's own host under the session domain) cannot plant one.
 */
export const csrfCookieName = (secure: boolean) => (secure ? '__Host-labgate_csrf' : 'labgate_csrf')

const TOKEN = /^[A-Za-z0-9_-]{43}$/

/**
 * Double-submit CSRF protection: the browser's token (from its cookie, or a new one that is set on the
 * reply), to be put in a hidden form field.
 */
export function issueCsrfToken(req: FastifyRequest, reply: FastifyReply, secure: boolean): string {
  const name = csrfCookieName(secure)
  const existing = cookieFrom(req.headers.cookie, name)
  if (existing && TOKEN.test(existing)) return existing
  const token = randomToken(32)
  void reply.header('set-cookie', serializeCookie(name, token, { sameSite: 'Strict', secure }))
  return token
}

/**
 * True when the form's token matches the cookie's (compared in constant time) and the browser does not
 * say the request comes from another site.
 */
export function csrfOk(req: FastifyRequest, form: Record<string, string>, secure: boolean): boolean {
  if (req.headers['sec-fetch-site'] === 'cross-site') return false
  const cookie = cookieFrom(req.headers.cookie, csrfCookieName(secure))
  const field = form[CSRF_FIELD]
  if (!cookie || !field || !TOKEN.test(cookie)) return false
  return constantTimeEqual(cookie, field)
}

/**
 * The CSRF check of script-driven requests: throws forbidden unless the request carries an
 * `X-Requested-With` header, which no cross-site form can send (and a cross-site script only after a CORS
 * preflight that labgate never grants with credentials).
 */
export function requireXRequestedWith(req: FastifyRequest): void {
  if (!req.headers['x-requested-with'])
    throw forbidden('Requests from the browser must send an X-Requested-With header')
}
