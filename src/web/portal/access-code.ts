/**
 * The event access code (`spec.portal.password`, Educates' portal password): when a portal sets one, its
 * pages (catalog, sign-in, registration, "My labs", workspaces, the admin console) first ask for the code
 * at `/access/`. A right code sets a cookie holding an HMAC of the code under the server's key, so that
 * changing the code shuts out every browser that entered the old one, and the cookie says nothing about
 * the code. The API, LMS launches, OAuth endpoints and the sessions' own pages are not guarded: their
 * callers hold credentials of their own.
 */
import { createHmac } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { constantTimeEqual } from '../../auth/secrets.js'
import { WindowCounter } from '../../auth/sign-in-limits.js'
import { parseFormBody } from '../../http/body.js'
import type { ApiContext } from '../../http/context.js'
import { cookieFrom, isSecure, serializeCookie } from '../../http/cookies.js'
import { CSRF_FIELD, csrfOk, issueCsrfToken } from '../../http/csrf.js'
import { html, raw } from '../../http/html.js'
import { portalPage, PORTAL_PAGE_HEADERS, type PortalViewer } from './portal-layout.js'
import { safeNext } from './safe-next.js'

export const ACCESS_PATH = '/access/'
const COOKIE = 'labgate_access'
/** How long an entered code is remembered, seconds. */
const REMEMBER = 7 * 24 * 3600
/** Wrong codes per client address before it must wait. */
const WRONG_CODES = { max: 10, windowMs: 10 * 60_000 }

/** The cookie value a browser that entered `code` holds. */
export const accessCookieValue = (key: Buffer, code: string): string =>
  createHmac('sha256', key).update(`labgate portal access\0${code}`).digest('base64url')

/** Whether a request's path is one of the guarded portal pages (query ignored). */
export function isGuardedPage(url: string): boolean {
  const path = url.split('?')[0]!
  if (path === '/' || path === '/login' || path === '/register') return true
  if (/^\/workshops\/environment\/[^/]+\/create\/?$/.test(path)) return true
  return ['/workshops/catalog', '/login/', '/register/', '/my/', '/admin'].some((p) => path.startsWith(p))
}

export interface AccessCodeOptions {
  ctx: ApiContext
  code: string
  /** The server's secret key (HMAC of the cookie). */
  key: Buffer
  viewer: () => PortalViewer
}

/** Registers `/access/` and the guard in front of the portal's pages. */
export function accessCodeRoutes(app: FastifyInstance, o: AccessCodeOptions): void {
  const expected = accessCookieValue(o.key, o.code)
  const secure = () => isSecure(o.ctx.portalUrl)
  const wrong = new WindowCounter(o.ctx.deps.clock, WRONG_CODES)
  const entered = (req: FastifyRequest) => {
    const cookie = cookieFrom(req.headers.cookie, COOKIE)
    return cookie !== null && constantTimeEqual(cookie, expected)
  }

  app.addHook('onRequest', async (req, reply) => {
    if (!isGuardedPage(req.url) || entered(req)) return
    if (req.method === 'GET' || req.method === 'HEAD')
      return reply
        .header('cache-control', 'no-store')
        .redirect(`${ACCESS_PATH}?next=${encodeURIComponent(safeNext(req.url))}`, 302)
    const csrf = issueCsrfToken(req, reply, secure())
    return send(reply, 403, page(o.viewer(), csrf, '/', 'Enter the event access code first.'))
  })

  app.get(ACCESS_PATH, async (req, reply) => {
    const next = safeNext(String((req.query as { next?: unknown }).next ?? '/'))
    if (entered(req)) return reply.header('cache-control', 'no-store').redirect(next, 302)
    return send(reply, 200, page(o.viewer(), issueCsrfToken(req, reply, secure()), next))
  })
  app.get('/access', (_req, reply) => reply.redirect(ACCESS_PATH, 301))

  app.post(ACCESS_PATH, async (req, reply) => {
    const form = parseFormBody(typeof req.body === 'string' ? req.body : '')
    const next = safeNext(form.next)
    const csrf = issueCsrfToken(req, reply, secure())
    if (!csrfOk(req, form, secure()))
      return send(reply, 403, page(o.viewer(), csrf, next, 'This form expired. Enter the code again.'))
    const wait = wrong.retryAfter(req.ip)
    if (wait > 0) {
      void reply.header('retry-after', String(wait))
      const minutes = Math.ceil(wait / 60)
      const message = `Too many wrong codes from your address. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`
      return send(reply, 429, page(o.viewer(), csrf, next, message))
    }
    const typed = (form.code ?? '').trim()
    if (!constantTimeEqual(accessCookieValue(o.key, typed), expected)) {
      wrong.add(req.ip)
      const message = typed
        ? 'That access code is not right. Check it with your instructor and try again.'
        : 'Enter the access code your instructor gave you.'
      return send(reply, typed ? 403 : 400, page(o.viewer(), csrf, next, message))
    }
    return reply
      .header(
        'set-cookie',
        serializeCookie(COOKIE, expected, { sameSite: 'Lax', maxAge: REMEMBER, secure: secure() }),
      )
      .header('cache-control', 'no-store')
      .redirect(next, 303)
  })
}

const send = (reply: FastifyReply, status: number, body: string) =>
  reply.status(status).headers(PORTAL_PAGE_HEADERS).type('text/html; charset=utf-8').send(body)

function page(viewer: PortalViewer, csrf: string, next: string, message?: string): string {
  return portalPage(
    { ...viewer, signedIn: false, staff: false, registration: false },
    null,
    'Event access code',
    html`${raw(message ? html`<p class="notice" role="alert">${message}</p>` : '')}
      <form class="code" method="post" action="${ACCESS_PATH}">
        <input type="hidden" name="${CSRF_FIELD}" value="${csrf}" />
        <input type="hidden" name="next" value="${next}" />
        <label for="code">The code for this event</label>
        <input type="password" id="code" name="code" autocomplete="off" required />
        <p><button class="primary">Continue</button></p>
      </form>`,
  )
}
