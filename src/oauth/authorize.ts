/**
 * The authorization endpoint's use case (code flow): validating the request against the client, the
 * remembered consent per user + client (`oauth_consents`), and issuing the code. Rendering and cookies
 * are the routes'.
 */
import { sectorOf } from '../auth/clients.js'
import type { GrantManager } from '../auth/grant-manager.js'
import type { ClientRecord } from '../store/auth-records.js'
import { isScopeSubset, parseScope } from '../auth/scope.js'
import { subjectId } from '../auth/subject-id.js'
import type { Clock } from '../domain/clock.js'
import type { AuthStore } from '../store/auth-store.js'
import { S256_CHALLENGE } from './pkce.js'
import { CODE_FLOW_USAGE_RULES, type CodeRequest } from './token-endpoint.js'

/** The parameters of an authorization request. */
export interface AuthorizeParams {
  response_type?: string
  client_id?: string
  redirect_uri?: string
  scope?: string
  state?: string
  nonce?: string
  code_challenge?: string
  code_challenge_method?: string
}

/** The request cannot be trusted to redirect (unknown client, bad redirect URI): show an error page. */
export class AuthorizePageError extends Error {
  override name = 'AuthorizePageError'
}

/** A validated request: errors from here on go back to the client's redirect URI. */
export type AuthorizeCheck =
  | { ok: true; client: ClientRecord; redirectUri: string; scope: string[]; params: AuthorizeParams }
  | { ok: false; redirect: string }

/** `redirectUri` with `params` added to its query. */
export function redirectWith(redirectUri: string, params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri)
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v)
  return url.toString()
}

export interface AuthorizeDeps {
  auth: AuthStore
  grants: GrantManager
  clock: Clock
  /** Salt of pairwise subject identifiers (derived from the server secret; stable across restarts). */
  pairwiseSalt: Uint8Array
}

/** Validates, remembers consent, issues codes. */
export class Authorizer {
  constructor(private readonly deps: AuthorizeDeps) {}

  /**
   * Checks a request from a registered client or one of labgate's session clients (the dashboards).
   * Throws `AuthorizePageError` when the client is unknown or disabled, may not use the code flow, or
   * `redirect_uri` is missing or not exactly one of its registered URIs (never redirect then). Other
   * errors (`unsupported_response_type`, `invalid_scope`, `invalid_request` for PKCE) come back as a
   * redirect to the client.
   */
  async check(params: AuthorizeParams): Promise<AuthorizeCheck> {
    const client = params.client_id ? await this.deps.auth.getClient(params.client_id) : null
    if (
      !client ||
      client.disabled ||
      (client.kind !== 'registered' && client.kind !== 'session') ||
      !client.grantTypes.includes('authorization_code')
    )
      throw new AuthorizePageError('Unknown client.')
    const redirectUri = params.redirect_uri
    if (!redirectUri || !client.redirectUris.includes(redirectUri))
      throw new AuthorizePageError('The redirect URI is not registered for this client.')
    const fail = (error: string, description: string) => ({
      ok: false as const,
      redirect: redirectWith(redirectUri, { error, error_description: description, state: params.state }),
    })
    if (params.response_type !== 'code')
      return fail('unsupported_response_type', 'Only response_type=code is supported.')
    const scope = parseScope(params.scope)
    if (!isScopeSubset(scope, client.scopes))
      return fail('invalid_scope', 'The requested scope is not allowed.')
    if (params.code_challenge !== undefined) {
      if (params.code_challenge_method !== 'S256')
        return fail('invalid_request', 'code_challenge_method must be S256.')
      if (!S256_CHALLENGE.test(params.code_challenge))
        return fail('invalid_request', 'Malformed code_challenge.')
    } else if (!client.confidential)
      return fail('invalid_request', 'PKCE (S256) is required for public clients.')
    return { ok: true, client, redirectUri, scope: scope.length ? scope : client.scopes, params }
  }

  /** True when the user has consented to at least `scope` for this client before. */
  async hasConsent(userId: string, clientId: string, scope: string[]): Promise<boolean> {
    const given = await this.#consent(userId, clientId)
    return given !== null && isScopeSubset(scope, given)
  }

  /** Remembers consent to `scope` (added to what was given before). */
  async rememberConsent(userId: string, clientId: string, scope: string[]): Promise<void> {
    const before = (await this.#consent(userId, clientId)) ?? []
    const merged = [...new Set([...before, ...scope])]
    await this.deps.auth.saveConsent(userId, clientId, merged, this.deps.clock.now())
  }

  async #consent(userId: string, clientId: string): Promise<string[] | null> {
    return this.deps.auth.getConsent(userId, clientId)
  }

  /**
   * Issues a code (in a new grant of a new client sign-in, under `userSignInId` when given, so that
   * signing out there ends it) and returns the client's redirect URL. The grant's subject identifier
   * follows the client's subject type: the user id (`public`), an HMAC of the client's sector and the
   * user (`pairwise`), or a random one per grant (`ephemeral`).
   */
  async issueCode(
    check: Extract<AuthorizeCheck, { ok: true }>,
    userId: string,
    authTime: number,
    /** The user sign-in of the browser's portal sign-in: the new client sign-in joins it. */
    userSignInId?: string,
  ): Promise<string> {
    const { grants } = this.deps
    const { client } = check
    const claims: CodeRequest = {
      redirectUri: check.redirectUri,
      codeChallenge: check.params.code_challenge ?? null,
      nonce: check.params.nonce ?? null,
      authTime,
    }
    const { token: code } = await grants.startGrant(
      {
        userId,
        clientId: client.id,
        authnEvent: { method: 'portal', at: authTime * 1000 },
        sub: subjectId(client.subjectType, {
          userId,
          salt: this.deps.pairwiseSalt,
          sectorIdentifier: sectorOf(client),
        }),
        subType: client.subjectType,
        ...(userSignInId !== undefined ? { userSignInId } : {}),
      },
      { scope: check.scope, claims: { ...claims }, usageRules: CODE_FLOW_USAGE_RULES },
      'authorization_code',
    )
    return redirectWith(check.redirectUri, { code: code.value, state: check.params.state })
  }
}
