/**
 * The Educates-compatible OAuth2 use cases (django-oauth-toolkit behaviour) behind `POST /oauth2/token/`
 * and `POST /oauth2/revoke-token/`: the password grant for the robot client, refresh with rotation and
 * reuse detection, and RFC 7009 revocation. Routes parse the form, call `tokenRequest`/`revokeRequest`,
 * and render errors with `oauthErrorResponse` (successful token responses need `Cache-Control: no-store`).
 */
import type { Clock } from '../domain/clock.js'
import type { UserKind } from '../domain/types.js'
import type { AuthStore } from '../store/auth-store.js'
import { authenticateClient, parseClientCredentials } from './client-auth.js'
import { MintingNotAllowed } from './errors.js'
import { formParam } from './form-params.js'
import type { GrantManager, MintedToken } from './grant-manager.js'
import {
  InvalidGrant,
  InvalidRequest,
  InvalidScope,
  UnauthorizedClient,
  UnsupportedGrantType,
  UnsupportedTokenType,
} from './oauth-errors.js'
import type { ClientRecord } from '../store/auth-records.js'
import { formatScope, isScopeSubset, parseScope } from './scope.js'
import { UNMETERED_CHECKS, type SecretChecker } from './secret-gate.js'
import type { UsageRules } from './token-class.js'

/** Educates' lifetimes: access tokens 10 h, refresh tokens 30 days (seconds). */
export const ROBOT_TOKEN_LIFETIMES = { accessToken: 36_000, refreshToken: 30 * 24 * 3600 } as const

/**
 * Users who may sign in with the password grant. Educates allows any portal user; labgate allows only
 * robots (the grant exists for them) and staff (who drive the API by hand), so a learner's password
 * never becomes an API credential.
 */
export const PASSWORD_GRANT_USER_KINDS: readonly UserKind[] = ['robot', 'staff']

/** Rules of grants made here: refresh tokens are single-use (rotated on every refresh). */
const ROBOT_USAGE_RULES: UsageRules = {
  access_token: { expiresIn: ROBOT_TOKEN_LIFETIMES.accessToken },
  refresh_token: { expiresIn: ROBOT_TOKEN_LIFETIMES.refreshToken, maxUsage: 1 },
}

/** The token endpoint's success body, as Educates answers it. */
export interface TokenResponse {
  access_token: string
  expires_in: number
  token_type: 'Bearer'
  scope: string
  refresh_token: string
}

interface ClientAuth {
  clientId: string
  /** null or absent for public clients. */
  clientSecret?: string | null
  /** How secrets and passwords are checked (a request's `SecretGate` checker); default unmetered. */
  checks?: SecretChecker
}

export interface PasswordGrantInput extends ClientAuth {
  username: string
  password: string
  /** Space-separated; default: every scope the client may ask for. */
  scope?: string
}

export interface RefreshGrantInput extends ClientAuth {
  refreshToken: string
  /** Space-separated; must be within the refresh token's scope. Default: the same scope. */
  scope?: string
}

export interface RevokeInput extends ClientAuth {
  token: string
  /** RFC 7009 hint; ignored, since every token is found by its hash whatever its type. */
  tokenTypeHint?: string
}

export interface RobotOAuthDeps {
  auth: AuthStore
  grants: GrantManager
  clock: Clock
}

/** The OAuth2 use cases Educates clients rely on. Throws only `OAuthError`s for bad requests. */
export class RobotOAuth {
  constructor(private readonly deps: RobotOAuthDeps) {}

  /**
   * `grant_type=password`: a new grant with a fresh access token (10 h) and refresh token (30 days).
   * Throws `InvalidClient` (bad client credentials), `UnauthorizedClient` (client lacks the password
   * grant), `InvalidGrant` (wrong username or password, a disabled user, or a user kind not in
   * `PASSWORD_GRANT_USER_KINDS`), `InvalidScope` (scope beyond the client's).
   */
  async passwordGrant(input: PasswordGrantInput): Promise<TokenResponse> {
    const client = await this.#client(input, 'password')
    const user = await this.deps.auth.findUserByUsername(input.username)
    const checks = input.checks ?? UNMETERED_CHECKS
    if (!(await checks.password(input.password, user?.passwordHash ?? null)) || !user)
      throw new InvalidGrant('Invalid credentials given.')
    if (user.disabled) throw new InvalidGrant('This account is disabled.')
    if (!PASSWORD_GRANT_USER_KINDS.includes(user.kind))
      throw new InvalidGrant('This user may not use the password grant.')
    const requested = parseScope(input.scope)
    if (!isScopeSubset(requested, client.scopes))
      throw new InvalidScope('The requested scope is not allowed.')
    const scope = requested.length ? requested : client.scopes
    const { grants } = this.deps
    const key = await grants.openSignIn({
      userId: user.id,
      clientId: client.id,
      authnEvent: { method: 'password' },
    })
    const { grant } = await grants.addGrant(key, { scope, usageRules: ROBOT_USAGE_RULES })
    const refresh = await grants.mintToken(grant.id, 'refresh_token')
    const access = await grants.mintToken(grant.id, 'access_token', { basedOn: refresh.id })
    return this.#response(access, refresh)
  }

  /**
   * `grant_type=refresh_token`: rotates the refresh token. The presented one is used up and its access
   * tokens are revoked; a new pair is minted from it. Presenting a used (rotated-out) refresh token again
   * revokes its whole grant (reuse detection). Throws `InvalidClient`, `UnauthorizedClient`,
   * `InvalidGrant` (unknown, inactive, reused or another client's token), `InvalidScope` (broader scope).
   */
  async refreshGrant(input: RefreshGrantInput): Promise<TokenResponse> {
    const client = await this.#client(input, 'refresh_token')
    const { grants } = this.deps
    const ctx = await grants.findToken(input.refreshToken)
    const invalid = () => new InvalidGrant('Invalid refresh token.')
    if (!ctx || ctx.token.class !== 'refresh_token' || ctx.client.id !== client.id) throw invalid()
    const status = await grants.tokenStatus(ctx)
    if (status === 'used_up') await grants.revokeGrant(ctx.grant.id)
    if (status !== 'active') throw invalid()
    const requested = parseScope(input.scope)
    if (!isScopeSubset(requested, ctx.token.scope))
      throw new InvalidScope('The requested scope exceeds the original grant.')
    const scope = requested.length ? requested : undefined
    let minted: MintedToken[]
    try {
      minted = await grants.redeemToken(ctx.token.id, [
        { class: 'refresh_token', children: [{ class: 'access_token', scope }] },
      ])
    } catch (err) {
      if (!(err instanceof MintingNotAllowed)) throw err
      // lost a race with another use of the same refresh token: that is reuse too
      if (err.reason === 'used_up') await grants.revokeGrant(ctx.grant.id)
      throw invalid()
    }
    await grants.revokeChildren(ctx.token.id, 'access_token')
    const [refresh, access] = minted as [MintedToken, MintedToken]
    return this.#response(access, refresh)
  }

  /**
   * RFC 7009 revocation. An access token is revoked with everything minted from it; a refresh token
   * revokes its whole grant (RFC 7009 §2.1: its access tokens go too). Unknown tokens, and tokens issued
   * to another client, are left alone and answered like success. Idempotent. Throws `InvalidRequest`
   * without a token, `InvalidClient`, and `UnsupportedTokenType` for codes and id tokens.
   */
  async revoke(input: RevokeInput): Promise<void> {
    if (!input.token) throw new InvalidRequest('Missing token parameter.')
    const client = await this.#authenticate(input)
    const { grants } = this.deps
    const ctx = await grants.findToken(input.token)
    if (!ctx || ctx.client.id !== client.id) return
    if (ctx.token.class === 'access_token') await grants.revokeToken(input.token, { recursive: true })
    else if (ctx.token.class === 'refresh_token') await grants.revokeGrant(ctx.grant.id)
    else throw new UnsupportedTokenType(`Revoking a ${ctx.token.class} is not supported.`)
  }

  /**
   * `POST /oauth2/token/` from its parsed form body and `Authorization` header: client credentials by
   * `parseClientCredentials`, then the grant named by `grant_type` (`password` or `refresh_token`).
   * Throws `InvalidRequest` for missing or repeated parameters, `UnsupportedGrantType` for other grants,
   * and whatever the grant throws.
   */
  async tokenRequest(
    authorization: string | undefined,
    body: Record<string, unknown>,
    checks?: SecretChecker,
  ): Promise<TokenResponse> {
    const grantType = formParam(body, 'grant_type')
    if (grantType === undefined) throw new InvalidRequest('Missing grant_type parameter.')
    const required = (name: string) => {
      const v = formParam(body, name)
      if (v === undefined) throw new InvalidRequest(`Missing ${name} parameter.`)
      return v
    }
    if (grantType === 'password') {
      const [username, password] = [required('username'), required('password')]
      const creds = parseClientCredentials(authorization, body)
      return this.passwordGrant({ ...creds, username, password, scope: formParam(body, 'scope'), checks })
    }
    if (grantType === 'refresh_token') {
      const refreshToken = required('refresh_token')
      const creds = parseClientCredentials(authorization, body)
      return this.refreshGrant({ ...creds, refreshToken, scope: formParam(body, 'scope'), checks })
    }
    throw new UnsupportedGrantType(`Unsupported grant type: ${grantType}`)
  }

  /** `POST /oauth2/revoke-token/` from its parsed form body and `Authorization` header; as `revoke`. */
  async revokeRequest(
    authorization: string | undefined,
    body: Record<string, unknown>,
    checks?: SecretChecker,
  ): Promise<void> {
    const token = formParam(body, 'token')
    if (token === undefined) throw new InvalidRequest('Missing token parameter.')
    const creds = parseClientCredentials(authorization, body)
    return this.revoke({ ...creds, token, tokenTypeHint: formParam(body, 'token_type_hint'), checks })
  }

  async #authenticate(input: ClientAuth): Promise<ClientRecord> {
    return authenticateClient(
      this.deps.auth,
      { clientId: input.clientId, clientSecret: input.clientSecret ?? null },
      input.checks,
    )
  }

  async #client(input: ClientAuth, grantType: string): Promise<ClientRecord> {
    const client = await this.#authenticate(input)
    if (!client.grantTypes.includes(grantType))
      throw new UnauthorizedClient(`This client may not use the ${grantType} grant.`)
    return client
  }

  #response(access: MintedToken, refresh: MintedToken): TokenResponse {
    const now = this.deps.clock.now()
    return {
      access_token: access.value,
      expires_in: access.expiresAt === null ? 0 : Math.max(0, Math.round((access.expiresAt - now) / 1000)),
      token_type: 'Bearer',
      scope: formatScope(access.scope),
      refresh_token: refresh.value,
    }
  }
}
