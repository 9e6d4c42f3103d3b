/**
 * gateway4labs' basic-HTTP LMS protocol at `/labmanager/requests/` (with or without the trailing slash),
 * for LMSs registered with `basicHttp {username, password}`:
 * - `POST`: an LMS plug-in reserves a lab for a user. The LMS signs in with HTTP Basic (or `lms_username`,
 *   `lms_password` in the JSON); a missing or wrong login is a 401 with the original's challenge. Every
 *   other answer is text/plain with status 200, as the original's: the absolute URL that lands the user in
 *   their session (`launchLab`), or a refusal text (`basic-http/messages.ts`).
 * - `GET`: a page listing the lab identifiers the LMS may reserve (Basic only).
 * A session launched before has a used-up activation URL, so the answer for it is a single-use link,
 * `GET /labmanager/enter/?ticket=`, that signs the browser it is loaded in into the session
 * (`basic-http/entry-ticket.ts`).
 * Every request is audited (`basic_http.request`): launches by `launchLab`, the rest here.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { BrokerDeps } from '../broker/deps.js'
import type { LmsRegistration } from '../config/types.js'
import { hasEnded } from '../domain/session-states.js'
import type { Authenticator } from '../http/authenticator.js'
import { messagePage } from '../http/message-page.js'
import { sessionSignInCookie } from '../http/sign-in-cookie.js'
import type { AuditStore, NewAuditRecord } from '../store/audit-store.js'
import type { LmsGatewayStore } from '../store/lms-gateway-store.js'
import type { NonceStore } from '../store/nonce-store.js'
import { ENTER_PATH, openTicket } from './basic-http/entry-ticket.js'
import { labsPage } from './basic-http/labs-page.js'
import { authenticateLms, basicLogin, jsonLogin, type PresentedLogin } from './basic-http/lms-login.js'
import {
  NO_PERMISSION,
  NOT_ENROLLED,
  UNAUTHORIZED,
  UNSUPPORTED,
  WWW_AUTHENTICATE,
  errorText,
} from './basic-http/messages.js'
import { readReserveRequest, splitFullName } from './basic-http/reserve-request.js'
import { requestJson } from './basic-http/request-body.js'
import { landingUrl } from './launch/landing-url.js'
import { waitUrl } from './queue/wait-routes.js'
import { DISABLED_TEXT, launchLab, USER_DISABLED } from './launch/launch-lab.js'

/** What the basic-HTTP routes need, wired once by `setUpLms`. */
export interface BasicHttpRouteDeps {
  deps: BrokerDeps
  /** Course grants of LMS admins, and the queue of launches waiting for a full lab. */
  gateway: LmsGatewayStore
  audit: AuditStore
  /** Records entry tickets single-use. */
  nonces: NonceStore
  /** Signs browsers in (entry tickets). */
  auth: Authenticator
  /** The server key: seals entry tickets. */
  key: Uint8Array
  /** The portal's public URL (scheme, host, port): the base of the URLs answered. */
  portalUrl: () => string
}

const PATHS = ['/labmanager/requests/', '/labmanager/requests']

/** Registers `GET` and `POST` on `/labmanager/requests/` and its slash-less twin, and `GET` on the entry link. */
export function basicHttpRoutes(app: FastifyInstance, o: BasicHttpRouteDeps): void {
  const registrations = () => o.deps.portal.labgate.lms
  const audit = (lms: LmsRegistration | null, r: Partial<NewAuditRecord>) =>
    o.audit.append({
      at: o.deps.clock.now(),
      lms: lms?.name ?? null,
      kind: 'basic_http.request',
      userId: null,
      course: null,
      lab: null,
      outcome: 'refused',
      reason: null,
      data: {},
      ...r,
    })
  const text = (reply: FastifyReply, status: number, body: string) =>
    reply.status(status).header('cache-control', 'no-store').type('text/plain; charset=utf-8').send(body)

  /** The LMS signed in, or null after answering 401 and auditing the refusal. */
  const signIn = async (req: FastifyRequest, reply: FastifyReply, login: PresentedLogin | null) => {
    const refuse = async (reason: string, lms: LmsRegistration | null, data: Record<string, unknown>) => {
      await audit(lms, { reason, data: { method: req.method, ...data } })
      await text(reply.header('www-authenticate', WWW_AUTHENTICATE), 401, UNAUTHORIZED)
      return null
    }
    if (!login) return refuse('no_login: the request carries no LMS login', null, {})
    const found = authenticateLms(registrations(), login)
    if (found.lms) return found.lms
    if (found.known) return refuse('bad_password: wrong password for this LMS', found.known, {})
    return refuse('unknown_login: no LMS has this basic-HTTP username', null, { username: login.username })
  }

  for (const path of PATHS) {
    app.get(path, async (req, reply) => {
      const lms = await signIn(req, reply, basicLogin(req.headers.authorization))
      if (!lms) return reply
      await audit(lms, { outcome: 'ok', data: { method: 'GET', page: 'labs' } })
      return reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(labsPage(lms))
    })

    app.post(path, async (req, reply) => {
      const json = requestJson(
        typeof req.body === 'string' ? req.body : undefined,
        req.headers['content-type'],
      )
      const lms = await signIn(req, reply, basicLogin(req.headers.authorization) ?? jsonLogin(json))
      if (!lms) return reply
      const refuse = async (reason: string, answer: string, data: Record<string, unknown> = {}) => {
        await audit(lms, { reason, data: { method: 'POST', ...data } })
        return text(reply, 200, answer)
      }
      if (!json)
        return refuse(
          'malformed: the body is not a JSON object',
          errorText(
            'the request is not a JSON object {"courses", "request-payload", "user-id", "full-name"}',
          ),
        )
      const read = readReserveRequest(json)
      if (!read.ok && 'unsupported' in read)
        return refuse(`unsupported: action ${JSON.stringify(read.unsupported)}`, UNSUPPORTED, {
          action: read.unsupported.slice(0, 100),
        })
      if (!read.ok)
        return refuse(`malformed: ${read.malformed}`, errorText(`invalid request: ${read.malformed}`))
      const r = read.request
      const outcome = await launchLab(
        { ...o.deps, audit: o.audit, gateway: o.gateway, portalUrl: o.portalUrl() },
        {
          lms,
          kind: 'basic_http.request',
          lmsUserId: r.userId,
          labId: r.labId,
          contextIds: r.courses,
          person: splitFullName(r.fullName),
          returnUrl: null,
          data: { courses: r.courses, isAdmin: r.isAdmin, ...r.client },
          // The user's browser as the LMS relayed it, for a remote lab system.
          browser: {
            ...(r.client.userAgent ? { userAgent: r.client.userAgent } : {}),
            ...(r.client.originIp ? { ip: r.client.originIp } : {}),
            ...(r.client.referer ? { referer: r.client.referer } : {}),
          },
        },
      )
      if (outcome.ok)
        return text(
          reply,
          200,
          landingUrl(outcome, {
            key: o.key,
            now: o.deps.clock.now(),
            lms: lms.name,
            portalUrl: o.portalUrl(),
          }),
        )
      // A full lab: the user waits on a page that opens the lab when a place is theirs.
      if (outcome.waiter) return text(reply, 200, `${o.portalUrl()}${waitUrl(outcome.waiter)}`)
      if (outcome.reason === DISABLED_TEXT)
        return text(reply, 200, errorText('this user is disabled on labgate: ask its staff'))
      if (outcome.code === 'unknown_lab') return text(reply, 200, NO_PERMISSION)
      if (outcome.code === 'closed') return text(reply, 200, errorText(outcome.reason))
      if (outcome.status === 403) return text(reply, 200, NOT_ENROLLED)
      return text(reply, 200, errorText(outcome.reason))
    })
  }

  app.get(ENTER_PATH, async (req, reply) => {
    const now = o.deps.clock.now()
    const raw = (req.query as Record<string, unknown>).ticket
    const t = typeof raw === 'string' ? openTicket(o.key, raw, now) : null
    const refuse = async (reason: string, text: string, status = 400, title = 'Link not usable') => {
      await audit(t ? (registrations().find((l) => l.name === t.lms) ?? null) : null, {
        userId: t?.userId ?? null,
        reason,
        data: { method: 'GET', entry: true, ...(t ? { session: t.session } : {}) },
      })
      return messagePage(reply, status, title, text)
    }
    if (!t)
      return refuse(
        'bad_ticket: the entry link is not valid or has expired',
        'This link is not valid or has expired: open the lab again from your course.',
      )
    // A link issued before staff disabled its user signs no one in (and is left unused).
    if ((await o.deps.store.getUser(t.userId))?.disabled)
      return refuse(USER_DISABLED, DISABLED_TEXT, 403, 'Account disabled')
    if (!(await o.nonces.useOnce('basic_http.enter', t.nonce, t.expiresAt)))
      return refuse(
        'replayed: the entry link was used already',
        'This link was used already: open the lab again from your course.',
      )
    const s = await o.deps.store.getSession(t.session)
    if (!s || s.owner !== t.userId || hasEnded(s.state))
      return refuse(
        'ended: the session has ended',
        'This session has ended: open the lab again from your course.',
      )
    await audit(registrations().find((l) => l.name === t.lms) ?? null, {
      outcome: 'ok',
      userId: t.userId,
      data: { method: 'GET', entry: true, session: s.name },
    })
    const cookie = await sessionSignInCookie(o.auth, {
      userId: t.userId,
      expiresAt: s.expiresAt,
      now,
      portalUrl: o.portalUrl(),
    })
    return reply
      .header('cache-control', 'no-store')
      .header('set-cookie', cookie)
      .redirect(`/workshops/session/${s.name}/`, 303)
  })
}
