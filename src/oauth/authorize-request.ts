/**
 * The authorization endpoint's decision for one request: show an error page, send the browser back to
 * the client (an error, a refusal or a code), ask it to sign in to the portal, or ask for consent. The
 * routes parse the request and find the browser's portal sign-in; they render whatever this returns.
 */
import type { ClientRecord } from '../store/auth-records.js'
import { needsConsent } from '../broker/policies.js'
import { AuthorizePageError, redirectWith, type Authorizer, type AuthorizeParams } from './authorize.js'

/** The browser's portal sign-in, when it has one (cookie sign-ins only: bearer tokens never authorize). */
export interface PortalSignIn {
  userId: string
  /** When the user signed in, seconds since the epoch. */
  authTime: number
  /** The user session the new client session joins, so that signing out at the portal ends both. */
  userSessionId: string
}

export type AuthorizeDecision =
  /** The request cannot be trusted to redirect: show `message` on an error page (400). */
  | { kind: 'error-page'; message: string }
  /** Send the browser to `to`: the client's redirect URI with a code or an error. */
  | { kind: 'redirect'; to: string }
  /** The browser must sign in to the portal first, then come back with the same request. */
  | { kind: 'sign-in' }
  /** Ask the user whether `client` may have `scope`. */
  | { kind: 'consent'; client: ClientRecord; scope: string[] }

export interface AuthorizeRequestDeps {
  authorizer: Authorizer
  /**
   * Whether a signed-in user may authorize one of labgate's own (`session`-kind) clients; without it no
   * session client can be authorized. See `maySignInToSession`.
   */
  firstParty?: (client: ClientRecord, userId: string) => Promise<boolean>
}

/**
 * Decides an authorization request; `portalSignIn` is asked only once the request is valid. `decision` is what the consent form said (`approve` or anything
 * else), or undefined for a first visit (GET). The order: the request's validity (an error page or an
 * error redirect), a refusal on the consent form, the portal sign-in, then the client's kind: labgate's
 * own clients are let through or refused (`access_denied`) by policy without a consent page; others get
 * a code when consent is given now or was given before for the whole scope, else the consent page.
 */
export async function authorizeRequest(
  deps: AuthorizeRequestDeps,
  params: AuthorizeParams,
  portalSignIn: () => Promise<PortalSignIn | null>,
  decision?: string,
): Promise<AuthorizeDecision> {
  const { authorizer } = deps
  let check
  try {
    check = await authorizer.check(params)
  } catch (e) {
    if (!(e instanceof AuthorizePageError)) throw e
    return { kind: 'error-page', message: e.message }
  }
  if (!check.ok) return { kind: 'redirect', to: check.redirect }
  if (decision !== undefined && decision !== 'approve')
    return {
      kind: 'redirect',
      to: redirectWith(check.redirectUri, { error: 'access_denied', state: params.state }),
    }
  const signIn = await portalSignIn()
  if (!signIn) return { kind: 'sign-in' }
  const code = async () => ({
    kind: 'redirect' as const,
    to: await authorizer.issueCode(check, signIn.userId, signIn.authTime, signIn.userSessionId),
  })
  if (!needsConsent(check.client.kind)) {
    if (!(await deps.firstParty?.(check.client, signIn.userId)))
      return {
        kind: 'redirect',
        to: redirectWith(check.redirectUri, {
          error: 'access_denied',
          error_description: 'This user may not sign in to this client.',
          state: params.state,
        }),
      }
    return code()
  }
  if (decision === 'approve') await authorizer.rememberConsent(signIn.userId, check.client.id, check.scope)
  else if (!(await authorizer.hasConsent(signIn.userId, check.client.id, check.scope)))
    return { kind: 'consent', client: check.client, scope: check.scope }
  return code()
}
