/**
 * The authorization server's token-side use cases over the grant model: the authorization code grant
 * (PKCE S256), client credentials, RFC 8693 token exchange, RFC 7662 introspection, userinfo and ID
 * tokens. The password and refresh grants and revocation are `RobotOAuth`'s (one way to do each).
 * Access tokens stay opaque; ID tokens are JWTs signed by `SigningKeys`.
 */
import { authenticateClient, parseClientCredentials } from '../auth/client-auth.js'
import { MintingNotAllowed } from '../auth/errors.js'
import { parseOAuthParams } from '../auth/form-params.js'
import type { GrantManager, MintedToken } from '../auth/grant-manager.js'
import {
  InvalidGrant,
  InvalidRequest,
  InvalidScope,
  OAuthError,
  UnauthorizedClient,
  UnsupportedGrantType,
} from '../auth/oauth-errors.js'
import type { ClientRecord, GrantContext, TokenContext } from '../store/auth-records.js'
import type { RobotOAuth } from '../auth/robot-oauth.js'
import { formatScope, isScopeSubset, parseScope } from '../auth/scope.js'
import type { UsageRules } from '../auth/token-class.js'
import type { Clock } from '../domain/clock.js'
import type { SecretChecker } from '../auth/secret-gate.js'
import type { AuthStore } from '../store/auth-store.js'
import type { Store } from '../store/store.js'
import { TOKEN_EXCHANGE_GRANT } from './clients.js'
import { verifyS256 } from './pkce.js'
import type { SigningKeys } from './signing-keys.js'
import { IntrospectForm, TokenForm } from './wire.js'

export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'
/** ID token lifetime, seconds. */
export const ID_TOKEN_LIFETIME = 3600

/** RFC 8707 / 8693: the requested resource or audience is not acceptable. */
export class InvalidTarget extends OAuthError {
  readonly error = 'invalid_target'
  override name = 'InvalidTarget'
}

/** Rules of grants made by the code flow: refresh tokens rotate (single use) so reuse is detected. */
export const CODE_FLOW_USAGE_RULES: UsageRules = { refresh_token: { maxUsage: 1 } }

/** What the authorization endpoint stores in a code's grant (`claims`). */
export interface CodeRequest {
  redirectUri: string
  codeChallenge: string | null
  nonce: string | null
  /** When the user signed in to the portal, seconds since the epoch. */
  authTime: number
}

export interface OAuthTokenResponse {
  access_token: string
  token_type: 'Bearer'
  expires_in: number
  scope: string
  refresh_token?: string
  id_token?: string
  issued_token_type?: string
}

export interface TokenEndpointDeps {
  auth: AuthStore
  /** Where the user's profile (the `profile` and `email` claims) is read. */
  users: Pick<Store, 'getUser'>
  grants: GrantManager
  robot: RobotOAuth
  keys: SigningKeys
  clock: Clock
  /** The issuer (the portal's public URL), read per request: it is known only once the server listens. */
  issuer: () => string
}

const seconds = (ms: number) => Math.floor(ms / 1000)

/** The parameters each grant reads, as `TokenForm` states them; the others are ignored. */
const GrantTypeForm = TokenForm.pick({ grant_type: true })
const CodeGrantForm = TokenForm.pick({
  code: true,
  client_id: true,
  client_secret: true,
  redirect_uri: true,
  code_verifier: true,
})
const ClientCredentialsForm = TokenForm.pick({ client_id: true, client_secret: true, scope: true })
const TokenExchangeForm = TokenForm.pick({
  client_id: true,
  client_secret: true,
  subject_token: true,
  subject_token_type: true,
  requested_token_type: true,
  resource: true,
  audience: true,
  scope: true,
})
type ClientParams = { client_id?: string; client_secret?: string }

/** Token, introspection and userinfo logic. Throws only `OAuthError`s for bad requests. */
export class TokenEndpoint {
  constructor(private readonly deps: TokenEndpointDeps) {}

  /**
   * Every method that authenticates a client takes `checks`, the request's `SecretGate` checker (default
   * unmetered), and may throw its `TooManyHashes`.
   *
   * `POST /oauth2/token`: dispatches on `grant_type`. `password` and `refresh_token` go to `RobotOAuth`
   * unchanged (Educates' behaviour); `authorization_code`, `client_credentials` and token exchange are
   * handled here. Each grant parses the parameters it reads with `TokenForm`'s types (`InvalidRequest`
   * for a repeated or malformed one, before any other check). Throws `InvalidRequest` without a grant
   * type, `UnsupportedGrantType` for others.
   */
  async tokenRequest(
    authorization: string | undefined,
    body: Record<string, unknown>,
    checks?: SecretChecker,
  ) {
    const grantType = parseOAuthParams(GrantTypeForm, body).grant_type
    if (grantType === 'authorization_code') return this.authorizationCode(authorization, body, checks)
    if (grantType === 'client_credentials') return this.clientCredentials(authorization, body, checks)
    if (grantType === TOKEN_EXCHANGE_GRANT) return this.tokenExchange(authorization, body, checks)
    if (grantType === 'refresh_token') return this.refresh(authorization, body, checks)
    if (grantType === undefined || grantType === 'password')
      return this.deps.robot.tokenRequest(authorization, body, checks)
    throw new UnsupportedGrantType(`Unsupported grant type: ${grantType}`)
  }

  /**
   * `grant_type=authorization_code`: redeems a code once (for an access token, a refresh token when the
   * client may refresh, and an ID token for `openid`). A reused code revokes its whole grant, and with it
   * every token minted from the code. Throws `InvalidGrant` for an unknown, expired, used or another
   * client's code, a redirect URI that differs from the authorization request's, a missing or wrong PKCE
   * verifier.
   */
  async authorizationCode(
    authorization: string | undefined,
    body: Record<string, unknown>,
    checks?: SecretChecker,
  ) {
    const form = parseOAuthParams(CodeGrantForm, body)
    const code = required(form.code, 'code')
    const client = await this.#client(authorization, form, 'authorization_code', checks)
    const { grants } = this.deps
    const ctx = await grants.findToken(code)
    const invalid = (why = 'Invalid authorization code.') => new InvalidGrant(why)
    if (!ctx || ctx.token.class !== 'authorization_code' || ctx.client.id !== client.id) throw invalid()
    const status = await grants.tokenStatus(ctx)
    if (status === 'used_up') {
      await grants.revokeGrant(ctx.grant.id)
      throw invalid('The authorization code has been used already.')
    }
    if (status !== 'active') throw invalid()
    const req = ctx.grant.claims as unknown as CodeRequest
    if (form.redirect_uri !== req.redirectUri)
      throw invalid('redirect_uri does not match the authorization request.')
    if (req.codeChallenge !== null) {
      if (!verifyS256(form.code_verifier, req.codeChallenge)) throw invalid('PKCE verification failed.')
    } else if (form.code_verifier !== undefined) throw invalid('No PKCE challenge was sent.')
    const refresh = client.grantTypes.includes('refresh_token')
    let minted: MintedToken[]
    try {
      minted = await grants.redeemToken(
        ctx.token.id,
        refresh
          ? [{ class: 'refresh_token', children: [{ class: 'access_token' }] }]
          : [{ class: 'access_token' }],
      )
    } catch (err) {
      if (!(err instanceof MintingNotAllowed)) throw err
      if (err.reason === 'used_up') await grants.revokeGrant(ctx.grant.id)
      throw invalid()
    }
    const access = minted.find((t) => t.class === 'access_token')!
    const out = this.#response(access)
    const refreshToken = minted.find((t) => t.class === 'refresh_token')
    if (refreshToken) out.refresh_token = refreshToken.value
    if (access.scope.includes('openid')) out.id_token = await this.idToken(ctx, req)
    return out
  }

  /**
   * `grant_type=refresh_token`: `RobotOAuth`'s rotation (reuse revokes the grant, no scope escalation),
   * plus a new ID token when the refreshed scope has `openid` and the grant came from the code flow (OIDC
   * Core §12.2: same `sub`, `aud` and `auth_time`, a new `iat`, no `nonce`).
   */
  async refresh(authorization: string | undefined, body: Record<string, unknown>, checks?: SecretChecker) {
    const out: OAuthTokenResponse = await this.deps.robot.tokenRequest(authorization, body, checks)
    if (!parseScope(out.scope).includes('openid')) return out
    const ctx = await this.deps.grants.findToken(out.access_token)
    const req = ctx?.grant.claims as Partial<CodeRequest> | undefined
    if (ctx && typeof req?.authTime === 'number')
      out.id_token = await this.idToken(ctx, { ...(req as CodeRequest), nonce: null })
    return out
  }

  /**
   * `grant_type=client_credentials`: a confidential client's own access token (no refresh token), its
   * subject the client. Throws `InvalidClient`, `UnauthorizedClient` (public client or grant not allowed),
   * `InvalidScope` (beyond the client's scopes; `openid` is not available without a user).
   */
  async clientCredentials(
    authorization: string | undefined,
    body: Record<string, unknown>,
    checks?: SecretChecker,
  ) {
    const form = parseOAuthParams(ClientCredentialsForm, body)
    const client = await this.#client(authorization, form, 'client_credentials', checks)
    if (!client.confidential) throw new UnauthorizedClient('A public client cannot use this grant.')
    const requested = parseScope(form.scope)
    const allowed = client.scopes.filter((s) => s !== 'openid')
    if (!isScopeSubset(requested, allowed)) throw new InvalidScope('The requested scope is not allowed.')
    const userId = await this.#clientUser(client)
    const key = await this.deps.grants.openSignIn({
      userId,
      clientId: client.id,
      authnEvent: { method: 'client_credentials' },
      sub: client.id,
    })
    const { grant } = await this.deps.grants.addGrant(key, { scope: requested.length ? requested : allowed })
    return this.#response(await this.deps.grants.mintToken(grant.id, 'access_token'))
  }

  /**
   * RFC 8693 token exchange: an active access token (`subject_token`) for a new access token limited to
   * the `resource`s / `audience`s named (each a registered client id or an absolute URI, within the
   * subject token's resources when it has any), for the same user, no longer-lived than the subject token
   * and within its scope. Throws `InvalidRequest` for a missing or unsupported token type or an invalid
   * subject token, `InvalidTarget` for a missing or unacceptable target, `InvalidScope`.
   */
  async tokenExchange(
    authorization: string | undefined,
    body: Record<string, unknown>,
    checks?: SecretChecker,
  ) {
    const form = parseOAuthParams(TokenExchangeForm, body)
    const client = await this.#client(authorization, form, TOKEN_EXCHANGE_GRANT, checks)
    const subjectToken = required(form.subject_token, 'subject_token')
    if (required(form.subject_token_type, 'subject_token_type') !== ACCESS_TOKEN_TYPE)
      throw new InvalidRequest('Unsupported subject token type.')
    const requestedType = form.requested_token_type
    if (requestedType !== undefined && requestedType !== ACCESS_TOKEN_TYPE)
      throw new InvalidRequest('Unsupported requested token type.')
    const { grants } = this.deps
    const subject = await grants.findToken(subjectToken)
    if (!subject || subject.token.class !== 'access_token' || !(await grants.isActive(subject)))
      throw new InvalidRequest('Subject token invalid.')
    const targets = [...form.resource, ...form.audience]
    if (targets.length === 0) throw new InvalidTarget('A resource or audience is required.')
    for (const t of targets) {
      const known = URL.canParse(t) || (await this.#clientExists(t))
      if (!known || (subject.token.resources.length > 0 && !subject.token.resources.includes(t)))
        throw new InvalidTarget(`The target ${t} is not acceptable.`)
    }
    const requested = parseScope(form.scope)
    if (!isScopeSubset(requested, subject.token.scope))
      throw new InvalidScope('The requested scope exceeds the subject token.')
    const key = await grants.openSignIn({
      userId: subject.user.id,
      clientId: client.id,
      authnEvent: { method: 'token_exchange', subjectTokenId: subject.token.id },
      sub: subject.grant.sub,
    })
    const now = this.deps.clock.now()
    const lifetime =
      subject.token.expiresAt === null ? undefined : Math.max(1, seconds(subject.token.expiresAt - now))
    const { grant } = await grants.addGrant(key, {
      scope: requested.length ? requested : subject.token.scope,
      resources: [...new Set(targets)],
      claims: { exchangedFrom: subject.token.id },
      expiresIn: lifetime,
    })
    const access = await grants.mintToken(grant.id, 'access_token')
    return { ...this.#response(access), issued_token_type: ACCESS_TOKEN_TYPE }
  }

  /**
   * RFC 7662 introspection by an authenticated client. `active: true` (with `scope`, `client_id`,
   * `username`, `sub`, `aud`, `exp`, `iat`, `iss`, `token_type`) only for an active access or refresh
   * token issued to the caller, or an access token whose resources include the caller (a resource
   * server); `{active: false}` for everything else (unknown, revoked, expired, codes, other clients').
   * `body` is parsed with `IntrospectForm` (`InvalidRequest` for a missing, repeated or malformed
   * parameter); throws `InvalidClient` too.
   */
  async introspect(authorization: string | undefined, body: Record<string, unknown>, checks?: SecretChecker) {
    const form = parseOAuthParams(IntrospectForm, body)
    const caller = await authenticateClient(
      this.deps.auth,
      parseClientCredentials(authorization, form),
      checks,
    )
    const { token } = form
    const ctx = await this.deps.grants.findToken(token)
    const inactive = { active: false as const }
    if (!ctx || (ctx.token.class !== 'access_token' && ctx.token.class !== 'refresh_token')) return inactive
    const audience = ctx.token.class === 'access_token' && ctx.token.resources.includes(caller.id)
    if (ctx.client.id !== caller.id && !audience) return inactive
    if (!(await this.deps.grants.isActive(ctx))) return inactive
    return {
      active: true as const,
      scope: formatScope(ctx.token.scope),
      client_id: ctx.client.id,
      ...(ctx.user.username ? { username: ctx.user.username } : {}),
      sub: ctx.grant.sub,
      ...(ctx.token.resources.length ? { aud: ctx.token.resources } : {}),
      iat: seconds(ctx.token.createdAt),
      ...(ctx.token.expiresAt !== null ? { exp: seconds(ctx.token.expiresAt) } : {}),
      iss: this.deps.issuer(),
      token_type: ctx.token.class === 'access_token' ? 'Bearer' : 'refresh_token',
    }
  }

  /**
   * OIDC userinfo for an active access token with the `openid` scope: `sub`, plus `preferred_username`,
   * `name`, `email` by scope. Null when the token is not acceptable (the route answers 401).
   */
  async userinfo(accessToken: string): Promise<Record<string, unknown> | null> {
    const ctx = await this.deps.grants.findToken(accessToken)
    if (!ctx || ctx.token.class !== 'access_token' || !ctx.token.scope.includes('openid')) return null
    if (!(await this.deps.grants.isActive(ctx))) return null
    return this.#claims(ctx)
  }

  /** A signed ID token for the grant a code belongs to. */
  async idToken(ctx: GrantContext, req: CodeRequest): Promise<string> {
    const now = seconds(this.deps.clock.now())
    return this.deps.keys.sign({
      ...(await this.#claims(ctx)),
      iss: this.deps.issuer(),
      aud: ctx.client.id,
      iat: now,
      exp: now + ID_TOKEN_LIFETIME,
      auth_time: req.authTime,
      ...(req.nonce !== null ? { nonce: req.nonce } : {}),
    })
  }

  async #claims(ctx: GrantContext | TokenContext): Promise<Record<string, unknown>> {
    const scope = 'token' in ctx ? ctx.token.scope : ctx.grant.scope
    const out: Record<string, unknown> = { sub: ctx.grant.sub }
    if (!scope.includes('profile') && !scope.includes('email')) return out
    const user = await this.deps.users.getUser(ctx.user.id)
    if (!user) return out
    if (scope.includes('profile')) {
      if (user.username) out.preferred_username = user.username
      const name = [user.firstName, user.lastName].filter(Boolean).join(' ')
      if (name) out.name = name
      if (user.firstName) out.given_name = user.firstName
      if (user.lastName) out.family_name = user.lastName
    }
    if (scope.includes('email') && user.email) out.email = user.email
    return out
  }

  async #client(
    authorization: string | undefined,
    form: ClientParams,
    grantType: string,
    checks?: SecretChecker,
  ) {
    const client = await authenticateClient(
      this.deps.auth,
      parseClientCredentials(authorization, form),
      checks,
    )
    if (!client.grantTypes.includes(grantType))
      throw new UnauthorizedClient(`This client may not use the ${grantType} grant.`)
    return client
  }

  async #clientExists(id: string): Promise<boolean> {
    return (await this.deps.auth.getClient(id)) !== null
  }

  /** The user a client's own (client_credentials) tokens hang off: kind `anonymous`, no password. */
  async #clientUser(client: ClientRecord): Promise<string> {
    const id = `oauth-client:${client.id}`
    await this.deps.auth.createUserIfAbsent({
      id,
      username: null,
      kind: 'anonymous',
      passwordHash: null,
      at: this.deps.clock.now(),
    })
    return id
  }

  #response(access: MintedToken): OAuthTokenResponse {
    const now = this.deps.clock.now()
    return {
      access_token: access.value,
      token_type: 'Bearer',
      expires_in: access.expiresAt === null ? 0 : Math.max(0, Math.round((access.expiresAt - now) / 1000)),
      scope: formatScope(access.scope),
    }
  }
}

/** A parameter the grant needs (its shape is checked by the grant's form). */
function required(value: string | undefined, name: string): string {
  if (value === undefined) throw new InvalidRequest(`Missing ${name} parameter.`)
  return value
}
