/**
 * What labgate's server-rendered consoles (the staff console, the LMS administrator's pages) share about
 * their forms: a form is a browser's `application/x-www-form-urlencoded` body carrying the browser's CSRF
 * token, and its outcome is shown on the next page through a short-lived flash cookie (post/redirect/get).
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { parseFormBody } from './body.js'
import { cookieFrom, serializeCookie } from './cookies.js'
import { csrfOk } from './csrf.js'

/** A message shown once at the top of the next page. */
export interface Flash {
  kind: 'ok' | 'error'
  text: string
}

/** A form as read: its fields, or the refusal to show (nothing was done). */
export type ReadForm =
  { ok: true; fields: Record<string, string> } | { ok: false; status: 415 | 403; title: string; text: string }

/** Reads `req`'s form: 415 when it is not a browser's form, 403 without the browser's CSRF token. */
export function readConsoleForm(req: FastifyRequest, secure: boolean): ReadForm {
  const type = String(req.headers['content-type'] ?? '').toLowerCase()
  if (!type.startsWith('application/x-www-form-urlencoded'))
    return { ok: false, status: 415, title: 'Unsupported form', text: 'This form must be sent by a browser.' }
  const fields = parseFormBody(typeof req.body === 'string' ? req.body : '')
  if (!csrfOk(req, fields, secure))
    return {
      ok: false,
      status: 403,
      title: 'Form expired',
      text: 'This form has expired or was sent from another site. Go back, reload the page and try again.',
    }
  return { ok: true, fields }
}

/** The flash cookie `name` for pages under `path`. */
export class FlashCookie {
  constructor(
    private readonly name: string,
    private readonly path: string,
  ) {}

  /** The `Set-Cookie` value that carries `flash` for a minute; with null, the one that clears it. */
  cookie(flash: Flash | null, secure: boolean): string {
    const value = flash ? Buffer.from(JSON.stringify(flash), 'utf8').toString('base64url') : ''
    return serializeCookie(this.name, value, {
      path: this.path,
      sameSite: 'Strict',
      maxAge: flash ? 60 : 0,
      secure,
    })
  }

  /** The flash the last form left, cleared as it is read; null when none (or malformed). */
  take(req: FastifyRequest, reply: FastifyReply, secure: boolean): Flash | null {
    const value = cookieFrom(req.headers.cookie, this.name)
    if (!value) return null
    void reply.header('set-cookie', this.cookie(null, secure))
    try {
      const f = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<Flash>
      if ((f.kind === 'ok' || f.kind === 'error') && typeof f.text === 'string')
        return { kind: f.kind, text: f.text.slice(0, 500) }
    } catch {
      // a malformed cookie shows nothing
    }
    return null
  }
}
