/**
 * The library API of seed 002's session manager, with TypeScript names, as a thin layer over
 * `GrantManager`: sessions are addressed by sealed session ids, grants are `Grant` objects that mint
 * tokens, and tokens are found and revoked by value within a session. All state lives in the store, so a
 * new `SessionManager` over the same database (and secret) sees everything an earlier one wrote.
 *
 * Differences from the seed:
 * - Usage rule precedence is defaults < server rules < client < grant, as issue 4 asks (auth.md lists
 *   client over grant; the grant, being the more specific, wins here).
 * - The authorization request is accepted but not stored (the store has no column for it).
 * - An ephemeral sub is drawn per grant (`addGrant`), so two grants of one client session are unlinkable.
 */
import type { Kysely } from 'kysely'
import type { Clock } from '../domain/clock.js'
import { badRequest, notFound } from '../domain/errors.js'
import type { Database } from '../store/schema.js'
import { MintingNotAllowed } from './errors.js'
import type { GrantManager, RedeemMint } from './grant-manager.js'
import type { TokenOptions } from './minting.js'
import type {
  AuthnEvent,
  ClientSessionRecord,
  GrantRecord,
  MintedToken,
  TokenContext,
  TokenRecord,
  TokenStatus,
  UserSessionRecord,
} from './records.js'
import { getClient } from './clients.js'
import { toClientSession, toGrant } from './rows.js'
import { SessionKeys, type SessionPath } from './session-key.js'
import { subjectId, type SubjectType } from './subject-id.js'
import type { TokenClass, UsageRules } from './token-class.js'

export type { SubjectType } from './subject-id.js'

/** What a client asked for (an OAuth authorization request). Accepted for the seed's signature only. */
export interface AuthRequest {
  clientId?: string
  redirectUri?: string
  scope?: string[] | string
  state?: string
  responseType?: string
  [param: string]: unknown
}

export interface SessionManagerDeps {
  grants: GrantManager
  db: Kysely<Database>
  clock: Clock
  /** The server secret `grants` seals session ids with (needed to seal ids for existing grants). */
  secret: string | Uint8Array
  /** Salt of pairwise subject identifiers; keep it stable, or every pairwise sub changes. */
  salt: string | Uint8Array
  /** Server-wide usage rules: over the defaults, under each grant's and client's own. */
  usageRules?: UsageRules
}

export interface CreateSessionOptions {
  /** A session id whose user session the new client session joins (one sign-in, several clients). */
  userSessionOf?: string
  /** Lifetime of a new user session in seconds; default until revoked. */
  expiresIn?: number | null
}

export interface GrantOptions {
  scope: string[]
  claims?: Record<string, unknown>
  /** Resource servers (RFC 8707) the grant's tokens may be used at, or exchanged for (RFC 8693). */
  resources?: string[]
  /** Grant lifetime in seconds; default until revoked. */
  expiresIn?: number | null
  /** Per-class rules over the server rules (a client's own rules still take precedence). */
  usageRules?: UsageRules
}

export interface MintTokenOptions extends TokenOptions {
  /** The token (or its id) to mint from; it must be active, in this grant, and allowed to mint the class. */
  basedOn?: string | { id: string }
}

/** Everything a session id points at (the seed's `get_session_info` keys). */
export interface SessionInfo {
  sessionId: string
  userId: string
  clientId: string
  /** Absent for a session id that names no grant yet. */
  grantId?: string
  userSession: UserSessionRecord
  clientSession: ClientSessionRecord
  grant: GrantRecord | null
}

export interface RevokeTokenOptions {
  /** Revoke everything minted from the token too (without it, descendants are inactive only through it). */
  recursive?: boolean
  /** Revoke only what was minted from the token (with its subtrees); the token itself stays. */
  childrenOnly?: boolean
}

/** A grant as the seed hands it out: its record, a session id naming it, and minting. */
export class Grant {
  readonly #grants: GrantManager

  constructor(
    readonly record: GrantRecord,
    /** A sealed session id naming this grant. */
    readonly sessionId: string,
    grants: GrantManager,
  ) {
    this.#grants = grants
  }

  get id(): string {
    return this.record.id
  }

  get scope(): string[] {
    return this.record.scope
  }

  get resources(): string[] {
    return this.record.resources
  }

  get sub(): string {
    return this.record.sub
  }

  /** Mints a token of class `cls` (see `GrantManager.mintToken`; throws `MintingNotAllowed`). */
  async mintToken(cls: TokenClass, opts: MintTokenOptions = {}): Promise<MintedToken> {
    const { basedOn, ...rest } = opts
    const parent = typeof basedOn === 'string' ? basedOn : basedOn?.id
    return this.#grants.mintToken(this.id, cls, parent === undefined ? rest : { ...rest, basedOn: parent })
  }

  /** Every token of the grant, active or not, oldest first. */
  async tokens(): Promise<TokenRecord[]> {
    return this.#grants.grantTokens(this.id)
  }

  /** True when the grant and the sessions above it are unrevoked and unexpired (read from the store). */
  async isActive(): Promise<boolean> {
    return this.#grants.isGrantActive(this.id)
  }
}

/** Seed 002's session manager. One per process; safe to share. */
export class SessionManager {
  readonly #grants: GrantManager
  readonly #db: Kysely<Database>
  readonly #clock: Clock
  readonly #keys: SessionKeys
  readonly #salt: string | Uint8Array
  readonly #usageRules: UsageRules

  constructor(deps: SessionManagerDeps) {
    this.#grants = deps.grants
    this.#db = deps.db
    this.#clock = deps.clock
    this.#keys = new SessionKeys(deps.secret)
    this.#salt = deps.salt
    this.#usageRules = deps.usageRules ?? {}
  }

  /**
   * Starts a client session of `userId` at `clientId` and returns its sealed session id. The subject
   * identifier of `subType` is computed now and stored on the client session. Throws bad_request for a
   * pairwise sub without `sectorIdentifier`, or an `authRequest.clientId` other than `clientId`; otherwise
   * as `GrantManager.createSession`.
   */
  async createSession(
    authnEvent: Partial<AuthnEvent>,
    authRequest: AuthRequest | null,
    userId: string,
    clientId: string,
    subType: SubjectType = 'public',
    sectorIdentifier?: string,
    opts: CreateSessionOptions = {},
  ): Promise<string> {
    if (authRequest?.clientId !== undefined && authRequest.clientId !== clientId)
      throw badRequest('the authorization request is for another client')
    const sub = subjectId(subType, { userId, salt: this.#salt, sectorIdentifier })
    return this.#grants.createSession({ userId, clientId, authnEvent, sub, subType, ...opts })
  }

  /**
   * Adds a grant to the client session of `sessionId`. Usage rules: defaults < server < client < grant
   * (the grant's own rules are the most specific). Throws as `GrantManager.addGrant`.
   */
  async addGrant(sessionId: string, opts: GrantOptions): Promise<Grant> {
    const path = await this.#keys.open(sessionId)
    const client = path ? await getClient(this.#db, path.clientId) : null
    // The server's rules sit under the client's: fold both under the grant's so GrantManager's
    // client < grant resolution keeps that order.
    const usageRules = layerRules(
      layerRules(this.#usageRules, client?.usageRules ?? {}),
      opts.usageRules ?? {},
    )
    const { grant, sessionKey } = await this.#grants.addGrant(sessionId, { ...opts, usageRules })
    return new Grant(grant, sessionKey, this.#grants)
  }

  /** The grants of the client session of `sessionId`, oldest first; [] for an invalid id. */
  async grants(sessionId: string): Promise<Grant[]> {
    const path = await this.#keys.open(sessionId)
    if (!path) return []
    const rows = await this.#db
      .selectFrom('auth_grants')
      .selectAll()
      .where('client_session_id', '=', path.clientSessionId)
      .orderBy('created_at')
      .orderBy('id')
      .execute()
    return Promise.all(
      rows.map(async (r) => {
        const g = toGrant(r)
        return new Grant(g, await this.#keys.seal({ ...path, grantId: g.id }), this.#grants)
      }),
    )
  }

  /** The grant named by a session id (or with a grant id), or null. */
  async grant(sessionIdOrGrantId: string): Promise<Grant | null> {
    const path = await this.#keys.open(sessionIdOrGrantId)
    const grantId = path ? path.grantId : sessionIdOrGrantId
    const record = grantId === undefined ? null : await this.#grants.getGrant(grantId)
    if (!record) return null
    const sessionId = path ? sessionIdOrGrantId : await this.#sealGrant(record)
    return sessionId === null ? null : new Grant(record, sessionId, this.#grants)
  }

  /**
   * The session id of `userId`'s grant `grantId` at `clientId` (the seed's `session_key`): a fresh sealed
   * id each call. Throws not_found when that grant does not exist or is another user's or client's.
   */
  async sessionKey(userId: string, clientId: string, grantId: string): Promise<string> {
    const record = await this.#grants.getGrant(grantId)
    const path = record && (await this.#pathOf(record))
    if (!path || path.userId !== userId || path.clientId !== clientId)
      throw notFound(`grant ${grantId} of ${userId} at ${clientId} does not exist`)
    return this.#keys.seal(path)
  }

  /** Everything `sessionId` points at, or null for an invalid id. Revoked sessions are returned too. */
  async getSessionInfo(sessionId: string): Promise<SessionInfo | null> {
    const info = await this.#grants.getSessionInfo(sessionId)
    if (!info) return null
    const out: SessionInfo = {
      sessionId,
      userId: info.userId,
      clientId: info.clientId,
      userSession: info.userSession,
      clientSession: info.clientSession,
      grant: info.grant,
    }
    if (info.grantId !== undefined) out.grantId = info.grantId
    return out
  }

  /** `getSessionInfo` of the grant a token value belongs to (with a fresh session id), or null. */
  async getSessionInfoByToken(value: string): Promise<SessionInfo | null> {
    const ctx = await this.#grants.findToken(value)
    if (!ctx) return null
    const sessionId = await this.#keys.seal({
      userId: ctx.user.id,
      clientId: ctx.client.id,
      userSessionId: ctx.userSession.id,
      clientSessionId: ctx.clientSession.id,
      grantId: ctx.grant.id,
    })
    return {
      sessionId,
      userId: ctx.user.id,
      clientId: ctx.client.id,
      grantId: ctx.grant.id,
      userSession: ctx.userSession,
      clientSession: ctx.clientSession,
      grant: ctx.grant,
    }
  }

  /** How the user of `sessionId` authenticated, or null for an invalid id. */
  async getAuthenticationEvent(sessionId: string): Promise<AuthnEvent | null> {
    return (await this.#grants.getSessionInfo(sessionId))?.userSession.authnEvent ?? null
  }

  /** The client session of `sessionId` (with its `sub`), or null for an invalid id. */
  async getClientSessionInfo(sessionId: string): Promise<ClientSessionRecord | null> {
    return (await this.#grants.getSessionInfo(sessionId))?.clientSession ?? null
  }

  /** The client sessions under the user session of `sessionId`, oldest first; [] for an invalid id. */
  async clientSessions(sessionId: string): Promise<ClientSessionRecord[]> {
    const path = await this.#keys.open(sessionId)
    if (!path) return []
    const rows = await this.#db
      .selectFrom('auth_client_sessions')
      .selectAll()
      .where('user_session_id', '=', path.userSessionId)
      .orderBy('created_at')
      .orderBy('id')
      .execute()
    return rows.map(toClientSession)
  }

  /**
   * The token whose value is `value` in the grant named by `sessionId` (or, for a session id without a
   * grant, in its client session). Null when unknown or elsewhere. Inactive tokens are found too.
   */
  async findToken(sessionId: string, value: string): Promise<TokenRecord | null> {
    return (await this.#findInSession(sessionId, value))?.token ?? null
  }

  /** Why `token` is (in)active now, read from the store. */
  async tokenStatus(token: TokenRecord | TokenContext): Promise<TokenStatus> {
    return this.#grants.tokenStatus(token)
  }

  /** True when the token, its ancestors, grant and sessions are all unrevoked, unexpired and unused-up. */
  async isActive(token: TokenRecord | TokenContext): Promise<boolean> {
    return this.#grants.isActive(token)
  }

  /**
   * Uses the token whose value is `value` once and mints `mints` from it (a code exchanged, a refresh
   * token rotated; see `GrantManager.redeemToken`). Reuse is punished: a used code has everything minted
   * from it revoked, a used (rotated-out) refresh token has its whole grant revoked. Throws not_found for
   * an unknown value, `MintingNotAllowed` otherwise (`used_up` on reuse).
   */
  async redeemToken(value: string, mints: RedeemMint[]): Promise<MintedToken[]> {
    const ctx = await this.#grants.findToken(value)
    if (!ctx) throw notFound('no token has that value')
    if ((await this.#grants.tokenStatus(ctx)) === 'used_up') {
      await this.#punishReuse(ctx, value)
      throw new MintingNotAllowed('used_up', `the ${ctx.token.class} has been used`)
    }
    try {
      return await this.#grants.redeemToken(ctx.token.id, mints)
    } catch (err) {
      // a concurrent use won the race: that is reuse too
      if (err instanceof MintingNotAllowed && err.reason === 'used_up') await this.#punishReuse(ctx, value)
      throw err
    }
  }

  /**
   * Revokes, in the grant named by `sessionId`: with no `value` the whole grant; else the token whose value
   * is `value` (with `recursive`, its subtree; with `childrenOnly`, only what was minted from it). Returns
   * false when the session id is invalid or the token is not in that grant.
   */
  async revokeToken(sessionId: string, value?: string, opts: RevokeTokenOptions = {}): Promise<boolean> {
    if (value === undefined) return this.revokeGrant(sessionId)
    const ctx = await this.#findInSession(sessionId, value)
    if (!ctx) return false
    if (opts.childrenOnly) {
      await this.#grants.revokeChildren(ctx.token.id)
      return true
    }
    return this.#grants.revokeToken(value, { recursive: opts.recursive ?? false })
  }

  /** Revokes the grant named by a session id, or with a grant id, and all its tokens. False when unknown. */
  async revokeGrant(sessionIdOrGrantId: string): Promise<boolean> {
    const grantId = await this.#grantId(sessionIdOrGrantId)
    return grantId === null ? false : this.#grants.revokeGrant(grantId)
  }

  /** Revokes the client session of `sessionId`, its grants and tokens. False for an invalid id. */
  async revokeClientSession(sessionId: string): Promise<boolean> {
    const path = await this.#keys.open(sessionId)
    return path ? this.#grants.revokeClientSession(path.clientSessionId) : false
  }

  /**
   * The grant that lets the subject token `value` be exchanged (RFC 8693) for a token limited to
   * `resourceServer`: the newest active grant of the token's client session whose resources include
   * `resourceServer`. Null when the token is unknown or inactive, or no grant allows it.
   */
  async findExchangeGrant(value: string, resourceServer: string): Promise<Grant | null> {
    const ctx = await this.#grants.findToken(value)
    if (!ctx || !(await this.#grants.isActive(ctx))) return null
    const path: SessionPath = {
      userId: ctx.user.id,
      clientId: ctx.client.id,
      userSessionId: ctx.userSession.id,
      clientSessionId: ctx.clientSession.id,
    }
    const candidates = await this.grants(await this.#keys.seal(path))
    for (const grant of candidates.reverse()) {
      if (grant.resources.includes(resourceServer) && (await grant.isActive())) return grant
    }
    return null
  }

  async #punishReuse(ctx: TokenContext, value: string): Promise<void> {
    if (ctx.token.class === 'refresh_token') await this.#grants.revokeGrant(ctx.grant.id)
    else await this.#grants.revokeToken(value, { recursive: true })
  }

  async #findInSession(sessionId: string, value: string): Promise<TokenContext | null> {
    const path = await this.#keys.open(sessionId)
    if (!path) return null
    const ctx = await this.#grants.findToken(value)
    if (!ctx) return null
    const inSession =
      path.grantId !== undefined
        ? ctx.grant.id === path.grantId
        : ctx.clientSession.id === path.clientSessionId
    return inSession ? ctx : null
  }

  /** The grant id a session id names, or the argument itself when it is no session id; null otherwise. */
  async #grantId(sessionIdOrGrantId: string): Promise<string | null> {
    const path = await this.#keys.open(sessionIdOrGrantId)
    if (path) return path.grantId ?? null
    return sessionIdOrGrantId
  }

  async #pathOf(grant: GrantRecord): Promise<SessionPath | null> {
    const row = await this.#db
      .selectFrom('auth_client_sessions as cs')
      .innerJoin('auth_user_sessions as us', 'us.id', 'cs.user_session_id')
      .select(['cs.id as csId', 'cs.client_id as clientId', 'us.id as usId', 'us.user_id as userId'])
      .where('cs.id', '=', grant.clientSessionId)
      .executeTakeFirst()
    if (!row) return null
    return {
      userId: row.userId,
      clientId: row.clientId,
      userSessionId: row.usId,
      clientSessionId: row.csId,
      grantId: grant.id,
    }
  }

  async #sealGrant(grant: GrantRecord): Promise<string | null> {
    const path = await this.#pathOf(grant)
    return path ? this.#keys.seal(path) : null
  }

  /** Now on this manager's clock (ms since the epoch), the time token expiry is judged by. */
  now(): number {
    return this.#clock.now()
  }
}

/** `over`'s per-class rules on top of `base`'s, field by field. Pure. */
function layerRules(base: UsageRules, over: UsageRules): UsageRules {
  const out: UsageRules = { ...base }
  for (const [cls, rule] of Object.entries(over) as [TokenClass, UsageRules[TokenClass]][]) {
    out[cls] = { ...base[cls], ...rule }
  }
  return out
}
