/**
 * The LTI 1.3 tool (IMS LTI Core 1.3 and Security Framework): OIDC login initiation
 * (`GET|POST /lti/1.3/login`), the launch (`POST /lti/1.3/launch`) and the tool's public keys
 * (`GET /lti/1.3/jwks`). A launch's id_token is verified against the platform's keys and registration
 * (`lti13/verify-id-token.ts`), its state against the browser's cookie, its nonce recorded once; then a
 * resource-link launch sends the learner into their session (`launchLab`) and a deep-linking request or
 * an instructor's launch goes to their own pages when those are set up. Everything, refused or not, is
 * audited; a refusal is a page that says why.
 *
 * Inside the LMS's iframe (the browser says `Sec-Fetch-Dest: iframe`), where the dashboard may not be
 * framed and third-party cookies may be blocked, the launch warms the learner's session and answers with
 * a link that opens the login again in a window of its own, where it completes first-party.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { BrokerDeps } from '../broker/deps.js'
import type { Authenticator } from '../http/authenticator.js'
import { readCookie } from '../http/cookies.js'
import { messagePage, type PageAction } from '../http/message-page.js'
import type { KeyRing } from '../auth/key-ring.js'
import type { AuditOutcome, AuditStore } from '../store/audit-store.js'
import type { GradeStore } from '../store/grade-store.js'
import type { LmsGatewayStore } from '../store/lms-gateway-store.js'
import { waitUrl } from './queue/wait-routes.js'
import type { NonceStore } from '../store/nonce-store.js'
import { browserOf } from './launch/browser-of.js'
import { enterSession } from './launch/enter-session.js'
import { DISABLED_TEXT, launchLab, USER_DISABLED, type LabLaunch } from './launch/launch-lab.js'
import { agsGradeTarget } from './lti13/ags-score.js'
import type { Lti13Launch } from './lti13/claims.js'
import { findPlatform, type Lti13Lms } from './lti13/find-platform.js'
import {
  carriedLogin,
  checkLaunchState,
  clearStateCookie,
  newLoginState,
  stateCookie,
  stateCookieName,
} from './lti13/launch-state.js'
import { authenticationRequest, isOwnTarget, parseLoginInitiation } from './lti13/login-initiation.js'
import type { PlatformKeys } from './lti13/platform-keys.js'
import { peekIssuer, verifyIdToken } from './lti13/verify-id-token.js'

export const LTI13_LOGIN_PATH = '/lti/1.3/login'
export const LTI13_LAUNCH_PATH = '/lti/1.3/launch'
export const LTI13_JWKS_PATH = '/lti/1.3/jwks'

/** What a launch handed on to a page of its own (deep linking, the instructor's course page) gets. */
export interface VerifiedLaunch {
  req: FastifyRequest
  reply: FastifyReply
  lms: Lti13Lms
  launch: Lti13Launch
  /** labgate's user id of the launching user (`<lms>:<sub>`). */
  userId: string
}

export interface Lti13RouteDeps {
  deps: BrokerDeps
  /** Course grants of LMS admins, and the queue of launches waiting for a full lab. */
  gateway: LmsGatewayStore
  audit: AuditStore
  nonces: NonceStore
  /** Where a launch's AGS line item is kept for the grade passback on finishing. */
  grades: GradeStore
  auth: Authenticator
  /** The platforms' public keys (cached, refetched on an unknown key). */
  platformKeys: PlatformKeys
  /** The tool's own signing keys, published at the JWKS URL. */
  toolKeys: KeyRing
  /** The server key that binds a login's nonce to its state. */
  stateKey: Uint8Array
  /** The portal's public URL (scheme, host, port). */
  portalUrl: () => string
  /** Answers a deep-linking request (the teacher picks a lab); absent: such requests are refused. */
  deepLinking?: (v: VerifiedLaunch) => Promise<FastifyReply>
  /**
   * Answers an instructor's resource-link launch (the course page); absent, or when it answers null,
   * instructors launch the lab as learners do.
   */
  instructorLaunch?: (v: VerifiedLaunch) => Promise<FastifyReply | null>
}

const params = (req: FastifyRequest): Record<string, unknown> =>
  req.method === 'POST'
    ? Object.fromEntries(new URLSearchParams(typeof req.body === 'string' ? req.body : ''))
    : (req.query as Record<string, unknown>)

const isForm = (req: FastifyRequest) =>
  String(req.headers['content-type'] ?? '')
    .toLowerCase()
    .startsWith('application/x-www-form-urlencoded')

/** Registers the login, launch and JWKS routes. */
export function lti13Routes(app: FastifyInstance, o: Lti13RouteDeps): void {
  const registrations = () => o.deps.portal.labgate.lms
  const audit = (
    kind: 'lti13.login' | 'lti13.launch',
    outcome: AuditOutcome,
    e: { lms?: string | null; userId?: string | null; course?: string | null; reason?: string | null },
    data: Record<string, unknown> = {},
  ) =>
    o.audit.append({
      at: o.deps.clock.now(),
      lms: e.lms ?? null,
      kind,
      userId: e.userId ?? null,
      course: e.course ?? null,
      lab: null,
      outcome,
      reason: e.reason ?? null,
      data,
    })

  app.get(LTI13_JWKS_PATH, async (_req, reply) =>
    reply.header('cache-control', 'public, max-age=300').send(await o.toolKeys.jwks()),
  )

  const login = async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.method === 'POST' && !isForm(req))
      return messagePage(reply, 415, 'Not a login', 'An LTI login initiation is a form or a query.')
    const parsed = parseLoginInitiation(params(req))
    if (!parsed.ok) {
      await audit('lti13.login', 'refused', { reason: parsed.detail })
      return messagePage(reply, 400, 'Login refused', `The LMS's login could not be used: ${parsed.detail}.`)
    }
    const { login } = parsed
    const found = findPlatform(registrations(), login.iss, login.clientId ? [login.clientId] : [])
    if (!found.ok) {
      await audit('lti13.login', 'refused', { reason: found.detail }, { iss: login.iss })
      return messagePage(
        reply,
        400,
        'Login refused',
        `This LMS is not registered with labgate: ${found.detail}.`,
      )
    }
    const { lms } = found
    if (!isOwnTarget(login.targetLinkUri, o.portalUrl())) {
      const reason = `target_link_uri ${login.targetLinkUri} is not a URL of this labgate`
      await audit('lti13.login', 'refused', { lms: lms.name, reason })
      return messagePage(reply, 400, 'Login refused', `The link's ${reason}.`)
    }
    const { state, nonce } = newLoginState(o.stateKey, login)
    await audit('lti13.login', 'ok', { lms: lms.name }, { target: login.targetLinkUri })
    const location = authenticationRequest(lms.lti13, login, {
      redirectUri: o.portalUrl() + LTI13_LAUNCH_PATH,
      state,
      nonce,
    })
    return reply
      .header('cache-control', 'no-store')
      .header('set-cookie', stateCookie(state, LTI13_LAUNCH_PATH))
      .redirect(location, 302)
  }
  app.get(LTI13_LOGIN_PATH, login)
  app.post(LTI13_LOGIN_PATH, login)

  app.post(LTI13_LAUNCH_PATH, async (req, reply) => {
    const page = (status: number, title: string, text: string, action?: PageAction) =>
      messagePage(reply, status, title, text, action)
    if (!isForm(req)) return page(415, 'Not a launch', 'An LTI launch is a form posted by the LMS.')
    const form = new URLSearchParams(typeof req.body === 'string' ? req.body : '')
    const platformError = form.get('error')
    if (platformError) {
      const why = form.get('error_description') ?? platformError
      await audit('lti13.launch', 'refused', { reason: `the platform answered ${platformError}: ${why}` })
      return page(401, 'Launch refused', `The LMS did not complete the sign-in: ${why}.`)
    }
    const idToken = form.get('id_token')
    const formState = form.get('state')
    const claimed = idToken ? peekIssuer(idToken) : null
    if (!idToken || !claimed) {
      await audit('lti13.launch', 'refused', { reason: 'malformed: no id_token' })
      return page(400, 'Launch refused', 'The launch carries no valid id_token.')
    }
    const found = findPlatform(registrations(), claimed.iss, claimed.aud)
    if (!found.ok) {
      await audit('lti13.launch', 'refused', { reason: found.detail }, { iss: claimed.iss, aud: claimed.aud })
      return page(401, 'Launch refused', `This LMS is not registered with labgate: ${found.detail}.`)
    }
    const { lms } = found
    const verdict = await verifyIdToken(idToken, lms.lti13, { keys: o.platformKeys, clock: o.deps.clock })
    if (!verdict.ok) {
      await audit('lti13.launch', 'refused', {
        lms: lms.name,
        reason: `${verdict.reason}: ${verdict.detail}`,
      })
      return page(401, 'Launch refused', `The LMS's launch could not be verified: ${verdict.detail}.`)
    }
    const { launch } = verdict
    const userId = `${lms.name}:${launch.sub}`
    const who = { lms: lms.name, userId, course: launch.context?.id ?? null }
    const stateCheck = checkLaunchState(o.stateKey, {
      formState,
      cookieState: formState ? readCookie(req, stateCookieName(formState)) : null,
      nonce: launch.nonce,
    })
    if (!stateCheck.ok) {
      await audit('lti13.launch', 'refused', { ...who, reason: stateCheck.reason })
      const restart =
        stateCheck.reason === 'no_state_cookie' && formState ? restartAction(formState) : undefined
      if (restart)
        return page(
          200,
          'Open the lab in a new window',
          'Your browser keeps labgate from signing you in inside this page. The lab opens in a window of its own.',
          restart,
        )
      return page(401, 'Launch refused', stateRefusalText(stateCheck.reason))
    }
    // An id_token is accepted for a minute after it is issued: an hour of memory outlasts any replay.
    const expiresAt = o.deps.clock.now() + 3600_000
    if (!(await o.nonces.useOnce(`lti13:${lms.lti13.issuer}`, launch.nonce, expiresAt))) {
      await audit('lti13.launch', 'refused', { ...who, reason: 'replayed: this launch was used already' })
      return page(401, 'Launch refused', 'This launch was used already: start it again from your course.')
    }
    void reply.header('set-cookie', clearStateCookie(formState!, LTI13_LAUNCH_PATH))
    // A user staff disabled is signed in by no kind of launch (a lab, the course page, deep linking).
    if ((await o.deps.store.getUser(userId))?.disabled) {
      await audit('lti13.launch', 'refused', { ...who, reason: USER_DISABLED })
      return page(403, 'Account disabled', DISABLED_TEXT)
    }
    const verified: VerifiedLaunch = { req, reply, lms, launch, userId }
    if (launch.messageType === 'LtiDeepLinkingRequest') {
      if (o.deepLinking) return o.deepLinking(verified)
      await audit('lti13.launch', 'refused', { ...who, reason: 'deep linking is not available' })
      return page(501, 'Not available', 'Picking a lab from the LMS is not available on this labgate.')
    }
    if (launch.role === 'instructor' && o.instructorLaunch) {
      const answered = await o.instructorLaunch(verified)
      if (answered) return answered
    }
    const outcome = await launchLab(
      { ...o.deps, audit: o.audit, grades: o.grades, gateway: o.gateway, portalUrl: o.portalUrl() },
      { ...labLaunchOf(lms, launch), browser: browserOf(req) },
    )
    if (!outcome.ok && outcome.waiter) return reply.redirect(waitUrl(outcome.waiter), 303)
    if (!outcome.ok) return page(outcome.status, outcome.title, outcome.reason)
    const restart = req.headers['sec-fetch-dest'] === 'iframe' ? restartAction(formState!) : undefined
    if (restart)
      return page(
        200,
        'Your lab is ready',
        'The lab opens in a window of its own, beside your course.',
        restart,
      )
    return enterSession(reply, outcome, { auth: o.auth, portalUrl: o.portalUrl(), now: o.deps.clock.now() })
  })
}

/**
 * The protocol-free launch of a verified resource-link launch; its grade target is the AGS line item when
 * the platform offers one with the score scope.
 */
export function labLaunchOf(lms: Lti13Lms, launch: Lti13Launch): LabLaunch {
  const gradeTarget = agsGradeTarget(launch.ags)
  return {
    lms,
    kind: 'lti13.launch',
    lmsUserId: launch.sub,
    labId: launch.custom.lab ?? labOfTarget(launch.targetLinkUri),
    contextIds: launch.context ? [launch.context.id] : [],
    person: {
      ...(launch.email ? { email: launch.email } : {}),
      ...(launch.givenName ? { givenName: launch.givenName } : {}),
      ...(launch.familyName ? { familyName: launch.familyName } : {}),
    },
    returnUrl: launch.returnUrl,
    data: {
      deployment: launch.deploymentId,
      resourceLink: launch.resourceLink?.id ?? null,
      role: launch.role,
      roles: launch.roles,
    },
    ...(gradeTarget ? { gradeTarget } : {}),
  }
}

/** `?lab=` of the launch's target link URI, or null. */
function labOfTarget(target: string | null): string | null {
  if (!target) return null
  try {
    return new URL(target).searchParams.get('lab')
  } catch {
    return null
  }
}

/** The link that starts the login a state carries again, in a new window; none when it carries none. */
function restartAction(state: string): PageAction | undefined {
  const login = carriedLogin(state)
  return login ? { href: `${LTI13_LOGIN_PATH}?${login}`, label: 'Open the lab', newWindow: true } : undefined
}

function stateRefusalText(reason: 'no_state_cookie' | 'state_mismatch' | 'nonce_mismatch'): string {
  switch (reason) {
    case 'no_state_cookie':
      return 'This browser did not start this launch (its sign-in cookie is missing): start it again from your course.'
    case 'state_mismatch':
      return 'This launch belongs to another sign-in: start it again from your course.'
    case 'nonce_mismatch':
      return 'The launch does not answer the sign-in labgate started: start it again from your course.'
  }
}
