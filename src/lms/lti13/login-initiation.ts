/**
 * OIDC third-party login initiation (IMS Security Framework §5.1.1): the platform sends the browser to the
 * tool's login URL with `iss`, `login_hint`, `target_link_uri` (and optionally `lti_message_hint`,
 * `lti_deployment_id`, `client_id`); the tool answers with a redirect to the platform's authorization
 * endpoint carrying a fresh `state` (bound to the browser) and `nonce`. Pure: the caller makes the random
 * values, keeps them, and looks up the registration.
 */

/** The login initiation's parameters, as the platform sent them (query or form). */
export interface LoginInitiation {
  iss: string
  loginHint: string
  targetLinkUri: string
  ltiMessageHint: string | null
  deploymentId: string | null
  clientId: string | null
}

export type LoginParse = { ok: true; login: LoginInitiation } | { ok: false; detail: string }

const one = (v: unknown): string | null => {
  const s = Array.isArray(v) ? v[0] : v
  return typeof s === 'string' && s.length > 0 && s.length <= 4096 ? s : null
}

/** Reads the login initiation from its parameters; says what is missing. */
export function parseLoginInitiation(params: Record<string, unknown>): LoginParse {
  const iss = one(params.iss)
  const loginHint = one(params.login_hint)
  const targetLinkUri = one(params.target_link_uri)
  const missing = [!iss && 'iss', !loginHint && 'login_hint', !targetLinkUri && 'target_link_uri'].filter(
    Boolean,
  )
  if (missing.length) return { ok: false, detail: `the login initiation lacks ${missing.join(', ')}` }
  return {
    ok: true,
    login: {
      iss: iss!,
      loginHint: loginHint!,
      targetLinkUri: targetLinkUri!,
      ltiMessageHint: one(params.lti_message_hint),
      deploymentId: one(params.lti_deployment_id),
      clientId: one(params.client_id),
    },
  }
}

/**
 * True when `targetLinkUri` is one of this tool's own launch URLs (same origin as `toolOrigin`): the
 * browser comes back to it after the launch, so anything else would make labgate an open redirector.
 */
export function isOwnTarget(targetLinkUri: string, toolOrigin: string): boolean {
  try {
    return new URL(targetLinkUri).origin === new URL(toolOrigin).origin
  } catch {
    return false
  }
}

/** The authentication request the browser is sent to (`response_mode=form_post`, `prompt=none`). */
export function authenticationRequest(
  reg: { authUrl: string; clientId: string },
  login: LoginInitiation,
  o: { redirectUri: string; state: string; nonce: string },
): string {
  const url = new URL(reg.authUrl)
  const q = url.searchParams
  q.set('scope', 'openid')
  q.set('response_type', 'id_token')
  q.set('response_mode', 'form_post')
  q.set('prompt', 'none')
  q.set('client_id', reg.clientId)
  q.set('redirect_uri', o.redirectUri)
  q.set('login_hint', login.loginHint)
  q.set('state', o.state)
  q.set('nonce', o.nonce)
  if (login.ltiMessageHint) q.set('lti_message_hint', login.ltiMessageHint)
  return url.toString()
}
