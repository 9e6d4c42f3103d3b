import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { signInLimitKey, mayRegister } from '../../broker/policies.js'
import { registerVisitor } from '../../broker/register-visitor.js'
import { parseFormBody } from '../../http/body.js'
import { actorOf, type ApiContext } from '../../http/context.js'
import { AUTH_COOKIE, isSecure, readCookie, serializeCookie } from '../../http/cookies.js'
import { csrfOk, issueCsrfToken } from '../../http/csrf.js'
import { STATUS } from '../../http/errors.js'
import { redirectToSlash } from '../../http/trailing-slash.js'
import { verifyPassword } from '../../auth/secrets.js'
import {
  checkSignInPassword,
  ensureFirstAdmin,
  findSignInUser,
  MIN_PASSWORD_LENGTH,
  registerUser,
} from '../../auth/users.js'
import type { PortalDefinition } from '../../config/types.js'
import { LabgateError } from '../../domain/errors.js'
import type { AuthStore } from '../../store/auth-store.js'
import { anonymousPage, messagePage, registerPage, signInPage, signOutPage } from './people-pages.js'
import { WindowCounter, type SignInLimiter } from '../../auth/sign-in-limits.js'
import { TooManyHashes, type SecretGate } from '../../auth/secret-gate.js'
import { safeNext } from './safe-next.js'
import type { GuestSignIn } from './catalog-routes.js'

/** How long a portal sign-in lasts, seconds. */
export const SIGN_IN_TTL = 12 * 3600
/** Sign-ups (accounts created) per client address and hour. */
const SIGN_UPS = { max: 30, windowMs: 3600_000 }

export interface PeopleOptions {
  ctx: ApiContext
  auth: AuthStore
  portal: PortalDefinition
  /** Failed sign-ins, shared with the token endpoint's password grant (see `signInLimitKey`). */
  limiter: SignInLimiter
  /** The budget of password hashing, shared with the OAuth endpoints. */
  secretGate: SecretGate
}

/**
 * The portal's people pages: `GET/POST /login/`, `GET/POST /register/` (as `spec.portal.registration`
 * says), `GET/POST /logout/` (which also sends `Clear-Site-Data: "cookies", "storage"`). Creates the admin
 * `admin` with a random password when the portal has no staff user and configures none: `generatedAdmin`
 * holds its credentials on that start only.
 */
export async function setUpPeople(o: PeopleOptions) {
  const configured = Boolean(o.portal.admin?.username && o.portal.admin.password)
  const generatedAdmin = configured ? null : await ensureFirstAdmin(o.auth, o.ctx.deps.clock)
  // Prepares the dummy hash unknown users are checked against, so the first one takes no longer.
  void verifyPassword('', null)
  const signUps = new WindowCounter(o.ctx.deps.clock, SIGN_UPS)
  const routes = (app: FastifyInstance) => peopleRoutes(app, o, signUps)
  /**
   * Under anonymous registration: signs a visitor in as a new anonymous user, the cookie set on `reply`
   * (the catalog's Start does this, so that nobody has to sign up); counted with the sign-ups.
   */
  const guestSignIn: GuestSignIn | undefined =
    mayRegister(o.portal) && o.portal.registration.type === 'anonymous'
      ? async (req, reply) => {
          const wait = signUps.retryAfter(req.ip)
          if (wait > 0) return { retryAfter: wait }
          const userId = await registerVisitor(o.ctx.deps, NO_FORM, () => {
            throw new Error('anonymous registration makes no account')
          })
          signUps.add(req.ip)
          await setSignInCookie(o.ctx, reply, userId)
          return { userId }
        }
      : undefined
  return { routes, generatedAdmin, guestSignIn }
}

const NO_FORM = { username: '', email: '', password: '', confirm: '' }

/** Signs the browser in as `userId`: the portal's cookie, set on `reply`. */
async function setSignInCookie(ctx: ApiContext, reply: FastifyReply, userId: string): Promise<void> {
  const token = await ctx.auth.browserLogin(userId, SIGN_IN_TTL)
  void reply.header(
    'set-cookie',
    serializeCookie(AUTH_COOKIE, encodeURIComponent(token), {
      sameSite: 'Lax',
      maxAge: SIGN_IN_TTL,
      secure: isSecure(ctx.portalUrl),
    }),
  )
}

const PAGE_HEADERS = {
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
}

function peopleRoutes(app: FastifyInstance, o: PeopleOptions, signUps: WindowCounter): void {
  const { ctx, auth } = o
  const clock = ctx.deps.clock
  const limiter = o.limiter
  const registration = o.portal.registration
  const secure = () => isSecure(ctx.portalUrl)

  const send = (reply: FastifyReply, status: number, body: string) =>
    reply.status(status).headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(body)

  /** The form's fields, or null after answering 415/403 (not a form, or no matching CSRF token). */
  const readForm = (req: FastifyRequest, reply: FastifyReply): Record<string, string> | null => {
    const type = String(req.headers['content-type'] ?? '').toLowerCase()
    if (!type.startsWith('application/x-www-form-urlencoded')) {
      void send(reply, 415, messagePage('Unsupported form', 'This form must be sent by a browser.'))
      return null
    }
    const form = parseFormBody(typeof req.body === 'string' ? req.body : '')
    if (!csrfOk(req, form, secure())) {
      void send(
        reply,
        403,
        messagePage(
          'Form expired',
          'This form has expired or was sent from another site. Go back, reload the page and try again.',
        ),
      )
      return null
    }
    return form
  }

  const signIn = async (reply: FastifyReply, userId: string, next: string) => {
    await setSignInCookie(ctx, reply, userId)
    return reply.header('cache-control', 'no-store').redirect(next, 303)
  }

  const signedInName = async (req: FastifyRequest): Promise<string | undefined> => {
    const actor = await actorOf(ctx, req)
    if (!actor || actor.via !== 'cookie') return undefined
    const user = await ctx.deps.store.getUser(actor.userId)
    return user ? (user.username ?? 'a guest') : undefined
  }

  const queryNext = (req: FastifyRequest) => {
    const next = (req.query as { next?: unknown }).next
    return safeNext(typeof next === 'string' ? next : undefined)
  }
  const registerUrl = mayRegister(o.portal) ? '/register/' : undefined

  for (const path of ['/login/', '/register/', '/logout/']) redirectToSlash(app, path)

  app.get('/login/', async (req, reply) =>
    send(
      reply,
      200,
      signInPage({
        csrf: issueCsrfToken(req, reply, secure()),
        next: queryNext(req),
        signedInAs: await signedInName(req),
        registerUrl,
      }),
    ),
  )

  app.post('/login/', async (req, reply) => {
    const form = readForm(req, reply)
    if (!form) return reply
    const next = safeNext(form.next)
    const username = (form.username ?? '').trim()
    const password = form.password ?? ''
    const again = (status: number, message: string) =>
      send(reply, status, signInPage({ csrf: form.csrf!, next, message, username, registerUrl }))
    if (!username || !password) return again(400, 'Enter your username (or email) and your password.')
    const user = await findSignInUser(auth, username)
    // Counted per account when the name is one, so that username and email share a counter.
    const key = signInLimitKey(username, user?.id ?? null)
    const address = req.ip
    const wait = limiter.retryAfter(key, address)
    if (wait > 0) {
      void reply.header('retry-after', String(wait))
      return again(
        429,
        `Too many failed sign-ins. Try again in ${Math.ceil(wait / 60)} minute${wait > 60 ? 's' : ''}.`,
      )
    }
    let ok: boolean
    try {
      ok = await checkSignInPassword(user, password, o.secretGate.for(address))
    } catch (e) {
      if (!(e instanceof TooManyHashes)) throw e
      void reply.header('retry-after', String(e.retryAfter))
      return again(429, `Too many sign-ins right now. Try again in ${e.retryAfter} seconds.`)
    }
    if (!ok) {
      limiter.failed(key, address)
      return again(401, 'Wrong username or password.')
    }
    limiter.succeeded(key, address)
    return signIn(reply, user!.id, next)
  })

  const closed = (reply: FastifyReply) =>
    send(reply, 404, messagePage('Registration is closed', 'This portal does not take new registrations.'))

  app.get('/register/', async (req, reply) => {
    if (!mayRegister(o.portal)) return closed(reply)
    const csrf = issueCsrfToken(req, reply, secure())
    const next = queryNext(req)
    return send(
      reply,
      200,
      registration.type === 'anonymous'
        ? anonymousPage({ csrf, next })
        : registerPage({ csrf, next, minPassword: MIN_PASSWORD_LENGTH }),
    )
  })

  app.post('/register/', async (req, reply) => {
    if (!mayRegister(o.portal)) return closed(reply)
    const form = readForm(req, reply)
    if (!form) return reply
    const next = safeNext(form.next)
    const csrf = form.csrf!
    const wait = signUps.retryAfter(req.ip)
    if (wait > 0) {
      void reply.header('retry-after', String(wait))
      const message = 'Too many accounts were created from your address. Try again later.'
      return send(
        reply,
        429,
        registration.type === 'anonymous'
          ? anonymousPage({ csrf, next, message })
          : registerPage({ csrf, next, message, minPassword: MIN_PASSWORD_LENGTH }),
      )
    }
    const fields = {
      username: form.username ?? '',
      email: form.email ?? '',
      password: form.password ?? '',
      confirm: form.confirm ?? '',
    }
    try {
      const id = await registerVisitor(ctx.deps, fields, (r) => registerUser(auth, clock, r))
      signUps.add(req.ip)
      return await signIn(reply, id, next)
    } catch (e) {
      if (!(e instanceof LabgateError) || (e.code !== 'bad_request' && e.code !== 'conflict')) throw e
      return send(
        reply,
        STATUS[e.code],
        registerPage({
          csrf,
          next,
          message: e.message,
          username: fields.username,
          email: fields.email,
          minPassword: MIN_PASSWORD_LENGTH,
        }),
      )
    }
  })

  app.get('/logout/', async (req, reply) =>
    send(
      reply,
      200,
      signOutPage({ csrf: issueCsrfToken(req, reply, secure()), signedInAs: await signedInName(req) }),
    ),
  )

  app.post('/logout/', async (req, reply) => {
    const form = readForm(req, reply)
    if (!form) return reply
    const cookie = readCookie(req, AUTH_COOKIE)
    if (cookie) await ctx.auth.browserLogout(cookie)
    // The browser forgets this site's cookies and storage too, service workers included: nothing a web app
    // left behind in a shared browser (a worker, a cookie) survives into the next user's sign-in.
    return reply
      .header(
        'set-cookie',
        serializeCookie(AUTH_COOKIE, '', { sameSite: 'Lax', maxAge: 0, secure: secure() }),
      )
      .header('cache-control', 'no-store')
      .header('clear-site-data', '"cookies", "storage"')
      .redirect('/', 303)
  })
}
