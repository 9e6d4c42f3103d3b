/**
 * How an LMS's administrator gets into labgate's pages for that LMS, as gateway4labs has it: the LMS
 * knows who its administrators are, and vouches for one.
 * - `POST /labmanager/lms/admin/authenticate/` (with or without the trailing slash): the LMS signs in as
 *   on `/labmanager/requests/` (HTTP Basic, or `lms_username`/`lms_password` in the JSON) and sends
 *   `{"full-name"}`; the answer is a one-time link, as text (200). A missing or wrong login is a 401 with
 *   the original's challenge; a body without a name is a 400 whose text says what to send.
 * - `GET /lms-admin/enter/?ticket=`: the link. Used once within two minutes, it signs the browser in
 *   (an LMS admin token in the grant model, in a cookie for `/lms-admin/` only) and goes to the pages.
 * - `POST /lms-admin/sign-out`: revokes the sign-in (CSRF-checked).
 * Every step is audited (`lms_admin.sign_in`).
 */
import { randomBytes } from 'node:crypto'
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { Clock } from '../../domain/clock.js'
import type { LmsRegistration } from '../../config/types.js'
import { parseFormBody } from '../../http/body.js'
import { isSecure } from '../../http/cookies.js'
import { csrfOk } from '../../http/csrf.js'
import { messagePage } from '../../http/message-page.js'
import type { AuditStore } from '../../store/audit-store.js'
import type { NonceStore } from '../../store/nonce-store.js'
import { authenticateLms, basicLogin, jsonLogin } from '../basic-http/lms-login.js'
import { UNAUTHORIZED, WWW_AUTHENTICATE, errorText } from '../basic-http/messages.js'
import { requestJson } from '../basic-http/request-body.js'
import { ADMIN_SIGN_IN_SECONDS, type LmsAdminCredentials } from './admin-credentials.js'
import { LMS_ADMIN, lmsAdminCookie, type LmsAdminGate } from './admin-gate.js'
import {
  LMS_ADMIN_ENTER_PATH,
  SIGN_IN_TICKET_TTL_MS,
  openSignInTicket,
  sealSignInTicket,
} from './sign-in-ticket.js'

/** What the sign-in routes need. */
export interface LmsAdminSignInDeps {
  registrations: () => readonly LmsRegistration[]
  audit: AuditStore
  nonces: NonceStore
  clock: Clock
  credentials: LmsAdminCredentials
  gate: LmsAdminGate
  /** The server key: seals the one-time links. */
  key: Uint8Array
  portalUrl: () => string
}

/** The longest name kept, characters. */
const MAX_NAME = 200

/** Registers the LMS's request for a link, the link, and the sign-out. */
export function lmsAdminSignInRoutes(app: FastifyInstance, o: LmsAdminSignInDeps): void {
  const audit = (
    lms: string | null,
    outcome: 'ok' | 'refused',
    reason: string | null,
    data: Record<string, unknown>,
  ) =>
    o.audit.append({
      at: o.clock.now(),
      lms,
      kind: 'lms_admin.sign_in',
      userId: null,
      course: null,
      lab: null,
      outcome,
      reason,
      data,
    })
  const text = (reply: FastifyReply, status: number, body: string) =>
    reply.status(status).header('cache-control', 'no-store').type('text/plain; charset=utf-8').send(body)

  for (const path of ['/labmanager/lms/admin/authenticate/', '/labmanager/lms/admin/authenticate'])
    app.post(path, async (req, reply) => {
      const json = requestJson(
        typeof req.body === 'string' ? req.body : undefined,
        req.headers['content-type'],
      )
      const login = basicLogin(req.headers.authorization) ?? jsonLogin(json)
      const found = login ? authenticateLms(o.registrations(), login) : null
      if (!found?.lms) {
        const known = found && !found.lms ? found.known : null
        await audit(known?.name ?? null, 'refused', login ? 'bad_login' : 'no_login', { step: 'link' })
        return text(reply.header('www-authenticate', WWW_AUTHENTICATE), 401, UNAUTHORIZED)
      }
      const lms = found.lms
      const raw = json?.['full-name']
      const name = typeof raw === 'string' ? raw.trim().slice(0, MAX_NAME) : ''
      if (!name) {
        await audit(lms.name, 'refused', 'malformed: no full-name', { step: 'link' })
        return text(reply, 400, errorText('send a JSON object {"full-name": "<the administrator\'s name>"}'))
      }
      const ticket = sealSignInTicket(o.key, {
        lms: lms.name,
        name,
        expiresAt: o.clock.now() + SIGN_IN_TICKET_TTL_MS,
        nonce: randomBytes(16).toString('base64url'),
      })
      await audit(lms.name, 'ok', null, { step: 'link', by: name })
      return text(reply, 200, `${o.portalUrl()}${LMS_ADMIN_ENTER_PATH}?ticket=${ticket}`)
    })

  app.get(LMS_ADMIN_ENTER_PATH, async (req, reply) => {
    const now = o.clock.now()
    const raw = (req.query as Record<string, unknown>).ticket
    const t = typeof raw === 'string' ? openSignInTicket(o.key, raw, now) : null
    const refuse = async (reason: string, says: string) => {
      await audit(t?.lms ?? null, 'refused', reason, { step: 'enter', ...(t ? { by: t.name } : {}) })
      return messagePage(reply, 400, 'Link not usable', says)
    }
    if (!t)
      return refuse(
        'bad_ticket: the link is not valid or has expired',
        'This link is not valid or has expired: open the administration from your LMS again.',
      )
    if (!o.registrations().some((l) => l.name === t.lms && l.basicHttp))
      return refuse('unknown_lms: the LMS is no longer registered', 'This LMS is no longer registered here.')
    if (!(await o.nonces.useOnce('lms_admin.enter', t.nonce, t.expiresAt)))
      return refuse(
        'replayed: the link was used already',
        'This link was used already: open the administration from your LMS again.',
      )
    const { token } = await o.credentials.issue({ lms: t.lms, name: t.name })
    await audit(t.lms, 'ok', null, { step: 'enter', by: t.name })
    return reply
      .header('cache-control', 'no-store')
      .header('set-cookie', lmsAdminCookie(token, ADMIN_SIGN_IN_SECONDS, isSecure(o.portalUrl())))
      .redirect(LMS_ADMIN, 303)
  })

  app.post(`${LMS_ADMIN}sign-out`, async (req, reply) => {
    const admin = await o.gate.who(req)
    const fields = parseFormBody(typeof req.body === 'string' ? req.body : '')
    if (admin && csrfOk(req, fields, isSecure(o.portalUrl()))) {
      await o.credentials.revoke(admin.grant)
      await audit(admin.lms.name, 'ok', null, { step: 'sign_out', by: admin.name })
    }
    return messagePage(
      reply.header('set-cookie', lmsAdminCookie('', 0, isSecure(o.portalUrl()))),
      200,
      'Signed out',
      'You are signed out of the lab manager. Open it from your LMS again to sign in.',
    )
  })
}
