/**
 * The session manager of seed 002: user session → client session → grant → tokens with lineage. Every
 * credential labgate issues is a token minted here; only hashes of token values are stored.
 */
import type { Kysely } from 'kysely'
import type { Clock } from '../domain/clock.js'
import { notFound } from '../domain/errors.js'
import type { Database } from '../store/schema.js'
import { MintingNotAllowed } from './errors.js'
import { subtreeIds } from './lineage.js'
import { assertMayMint, claimUse, insertToken, type TokenOptions } from './minting.js'
import type { GrantRecord, MintedToken, TokenContext, TokenRecord, TokenStatus } from './records.js'
import {
  markTokensRevoked,
  revokeClientSessions,
  revokeGrants,
  revokeSubtrees,
  type RevocationEvent,
} from './revocation.js'
import { type Executor, loadGrantContext, loadToken, loadTokenContext, toGrant, toToken } from './rows.js'
import { hashToken } from './secrets.js'
import { SessionKeys } from './session-key.js'
import {
  insertGrant,
  insertSession,
  readSessionInfo,
  type AddGrantInput,
  type CreateSessionInput,
  type SessionCtx,
  type SessionInfo,
} from './sessions.js'
import type { TokenClass } from './token-class.js'
import { grantStatus, tokenStatus } from './token-status.js'

export type { RevocationEvent } from './revocation.js'
export type { TokenOptions } from './minting.js'
export type { AddGrantInput, CreateSessionInput, SessionInfo } from './sessions.js'

/** `TokenOptions` plus the token to mint from (same grant). */
export interface MintOptions extends TokenOptions {
  /** Id of the parent token; it must be active and its class allowed to mint the new class. */
  basedOn?: string
}

/** One token to mint in `redeemToken`, and the tokens to mint from it in turn. */
export interface RedeemMint extends TokenOptions {
  class: TokenClass
  children?: RedeemMint[]
}

export interface GrantManagerDeps {
  db: Kysely<Database>
  clock: Clock
  /** Server secret that session keys are sealed with (≥ 16 bytes). */
  secret: string | Uint8Array
}

/** Creates sessions and grants, mints, finds and revokes tokens. One per process; safe to share. */
export class GrantManager {
  readonly #db: Kysely<Database>
  readonly #clock: Clock
  readonly #keys: SessionKeys
  readonly #listeners = new Set<(e: RevocationEvent) => void>()

  constructor(deps: GrantManagerDeps) {
    this.#db = deps.db
    this.#clock = deps.clock
    this.#keys = new SessionKeys(deps.secret)
  }

  /**
   * Calls `listener` after every revocation this manager commits (for cache invalidation). Listeners run
   * synchronously and must not throw. Returns a function that unsubscribes.
   */
  onRevoke(listener: (e: RevocationEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /**
   * Starts a client session for a user (and a new user session unless `userSessionOf` names one) and
   * returns its sealed session key. Not idempotent: every call creates a new client session. Throws
   * not_found for an unknown user or client, bad_request for an invalid `userSessionOf` key, forbidden
   * when that user session is inactive or belongs to another user.
   */
  async createSession(input: CreateSessionInput): Promise<string> {
    return insertSession(this.#ctx(), input)
  }

  /**
   * Everything `sessionKey` points at, or null when the key is invalid or its rows are gone. Revoked
   * sessions are returned too (check their `revoked` flags).
   */
  async getSessionInfo(sessionKey: string): Promise<SessionInfo | null> {
    return readSessionInfo(this.#ctx(), sessionKey)
  }

  /**
   * Adds a grant to the client session of `sessionKey`; returns it with a new session key that also names
   * the grant. Not idempotent. Throws bad_request for an invalid key, forbidden when the session is not
   * active.
   */
  async addGrant(
    sessionKey: string,
    input: AddGrantInput,
  ): Promise<{ grant: GrantRecord; sessionKey: string }> {
    return insertGrant(this.#ctx(), sessionKey, input)
  }

  /** The grant with id `grantId`, or null. */
  async getGrant(grantId: string): Promise<GrantRecord | null> {
    const row = await this.#db
      .selectFrom('auth_grants')
      .selectAll()
      .where('id', '=', grantId)
      .executeTakeFirst()
    return row ? toGrant(row) : null
  }

  /** Every token of a grant, active or not, oldest first; [] for an unknown grant. */
  async grantTokens(grantId: string): Promise<TokenRecord[]> {
    const rows = await this.#db
      .selectFrom('auth_tokens')
      .selectAll()
      .where('grant_id', '=', grantId)
      .orderBy('created_at')
      .orderBy('id')
      .execute()
    return rows.map(toToken)
  }

  /** True when the grant and both sessions above it are unrevoked and unexpired; false for unknown grants. */
  async isGrantActive(grantId: string): Promise<boolean> {
    const tree = await loadGrantContext(this.#db, grantId)
    return tree !== null && grantStatus(tree, this.#clock.now()) === 'active'
  }

  /**
   * Mints a token of class `cls` in a grant, from the grant itself or `basedOn` a token of the same grant.
   * Minting does not use up the parent (see `redeemToken`). Throws not_found for an unknown grant,
   * `MintingNotAllowed` when the grant or parent is inactive, the parent belongs to another grant or may
   * not mint `cls`, or the scope is broader than the parent's (or grant's).
   */
  async mintToken(grantId: string, cls: TokenClass, opts: MintOptions = {}): Promise<MintedToken> {
    return this.#db.transaction().execute(async (trx) => {
      const tree = await loadGrantContext(trx, grantId)
      if (!tree) throw notFound(`grant ${grantId} does not exist`)
      const now = this.#clock.now()
      if (grantStatus(tree, now) !== 'active')
        throw new MintingNotAllowed('inactive', 'the grant is not active')
      let parent: TokenRecord | null = null
      if (opts.basedOn !== undefined) {
        parent = await loadToken(trx, opts.basedOn)
        if (!parent || parent.grantId !== grantId)
          throw new MintingNotAllowed('wrong_grant', 'the parent token is not in this grant')
        await assertActive(tokenStatus(trx, parent, tree, now))
        assertMayMint(tree, parent, cls)
      }
      return insertToken(trx, tree, cls, parent, opts, now)
    })
  }

  /**
   * {@link createSession}, {@link addGrant} and {@link mintToken} (from the grant) in one transaction, so
   * in one commit: what an authorization endpoint does to issue a code. Same errors as the three; on any
   * error nothing is written.
   */
  async startGrant(
    session: CreateSessionInput,
    grant: AddGrantInput,
    cls: TokenClass,
    opts: TokenOptions = {},
  ): Promise<{ sessionKey: string; grant: GrantRecord; token: MintedToken }> {
    return this.#db.transaction().execute(async (trx) => {
      const ctx = { ...this.#ctx(), db: trx }
      const added = await insertGrant(ctx, await insertSession(ctx, session), grant)
      const tree = await loadGrantContext(trx, added.grant.id)
      if (!tree) throw notFound(`grant ${added.grant.id} vanished inside its transaction`)
      if (grantStatus(tree, ctx.now) !== 'active')
        throw new MintingNotAllowed('inactive', 'the grant is not active')
      const token = await insertToken(trx, tree, cls, null, opts, ctx.now)
      return { ...added, token }
    })
  }

  /**
   * Atomically uses token `tokenId` once and mints each of `mints` from it (a code exchanged for tokens, a
   * refresh token rotated); a mint's `children` are minted from it in turn. Returns every minted token,
   * depth first. Of two concurrent redemptions of a single-use token exactly one succeeds. Throws
   * not_found for an unknown token, `MintingNotAllowed` (`used_up` when no use is left) otherwise as
   * `mintToken`; on any error nothing is used or minted.
   */
  async redeemToken(tokenId: string, mints: RedeemMint[]): Promise<MintedToken[]> {
    return this.#db.transaction().execute(async (trx) => {
      const parent = await loadToken(trx, tokenId)
      if (!parent) throw notFound(`token ${tokenId} does not exist`)
      const tree = await loadGrantContext(trx, parent.grantId)
      if (!tree) throw notFound(`grant ${parent.grantId} does not exist`)
      const now = this.#clock.now()
      await assertActive(tokenStatus(trx, parent, tree, now))
      if (!(await claimUse(trx, tokenId))) throw new MintingNotAllowed('used_up', 'the token has been used')
      const out: MintedToken[] = []
      const mintAll = async (from: TokenRecord, list: RedeemMint[]): Promise<void> => {
        for (const { class: cls, children, ...opts } of list) {
          assertMayMint(tree, from, cls)
          const minted = await insertToken(trx, tree, cls, from, opts, now)
          out.push(minted)
          if (children?.length) await mintAll(await loadRequired(trx, minted.id), children)
        }
      }
      await mintAll(parent, mints)
      return out
    })
  }

  /**
   * Uses token `tokenId` once. Returns false (and changes nothing) when it is revoked, unknown or has no
   * use left. Does not check expiry or the tree: check `tokenStatus` first.
   */
  async useToken(tokenId: string): Promise<boolean> {
    return claimUse(this.#db, tokenId)
  }

  /**
   * The token whose value is `value`, with its grant, sessions, client and user; null when unknown.
   * Inactive tokens are found too: ask `tokenStatus`/`isActive`.
   */
  async findToken(value: string): Promise<TokenContext | null> {
    return loadTokenContext(this.#db, { valueHash: hashToken(value) })
  }

  /**
   * Why `token` is (in)active now (see `TokenStatus`). Given a `TokenContext` (as `findToken` returns) its
   * loaded tree is used; given a bare record, the current state is read from the store ('revoked' when the
   * token no longer exists).
   */
  async tokenStatus(token: TokenRecord | TokenContext): Promise<TokenStatus> {
    const ctx = 'grant' in token ? token : await loadTokenContext(this.#db, { id: token.id })
    if (!ctx) return 'revoked'
    return tokenStatus(this.#db, ctx.token, ctx, this.#clock.now())
  }

  /** True when `tokenStatus(token)` is `active`. */
  async isActive(token: TokenRecord | TokenContext): Promise<boolean> {
    return (await this.tokenStatus(token)) === 'active'
  }

  /**
   * Revokes the token whose value is `value`, and with `recursive` everything minted from it (without it,
   * descendants stay unrevoked but are inactive through their revoked ancestor). Idempotent; returns false
   * when no token has that value.
   */
  async revokeToken(value: string, opts: { recursive?: boolean } = {}): Promise<boolean> {
    const row = await this.#db
      .selectFrom('auth_tokens')
      .select('id')
      .where('value_hash', '=', hashToken(value))
      .executeTakeFirst()
    if (!row) return false
    if (opts.recursive) this.#emit(await revokeSubtrees(this.#db, [row.id]))
    else {
      await markTokensRevoked(this.#db, [row.id])
      // descendants are inactive through their revoked ancestor: report them too, for caches
      this.#emit({ tokenIds: await subtreeIds(this.#db, [row.id]), grantIds: [] })
    }
    return true
  }

  /**
   * Revokes the tokens minted from `tokenId` (only those of class `cls` when given), with their subtrees;
   * the token itself stays as it is. Idempotent; returns how many tokens it revoked (0 for an unknown id).
   */
  async revokeChildren(tokenId: string, cls?: TokenClass): Promise<number> {
    const children = await this.#db
      .selectFrom('auth_tokens')
      .select('id')
      .where('parent_id', '=', tokenId)
      .$if(cls !== undefined, (q) => q.where('class', '=', cls as TokenClass))
      .execute()
    const event = await revokeSubtrees(
      this.#db,
      children.map((c) => c.id),
    )
    this.#emit(event)
    return event.tokenIds.length
  }

  /** Revokes a grant and all its tokens. Idempotent; returns false for an unknown grant. */
  async revokeGrant(grantId: string): Promise<boolean> {
    const event = await this.#db.transaction().execute((trx) => revokeGrants(trx, [grantId]))
    this.#emit(event)
    return event.grantIds.length > 0
  }

  /** Revokes a client session, its grants and their tokens. Idempotent; false for an unknown id. */
  async revokeClientSession(clientSessionId: string): Promise<boolean> {
    const event = await revokeClientSessions(this.#db, [clientSessionId])
    if (event) this.#emit(event)
    return event !== null
  }

  /**
   * Revokes a user session (a sign-out) and, through it, every client session, grant and token under it.
   * Idempotent; false for an unknown id.
   */
  async revokeUserSession(userSessionId: string): Promise<boolean> {
    const res = await this.#db
      .updateTable('auth_user_sessions')
      .set({ revoked: 1 })
      .where('id', '=', userSessionId)
      .executeTakeFirst()
    if (Number(res.numUpdatedRows) === 0) return false
    const sessions = await this.#db
      .selectFrom('auth_client_sessions')
      .select('id')
      .where('user_session_id', '=', userSessionId)
      .execute()
    const event = await revokeClientSessions(
      this.#db,
      sessions.map((s) => s.id),
    )
    if (event) this.#emit(event)
    return true
  }

  #ctx(): SessionCtx {
    return { db: this.#db, keys: this.#keys, now: this.#clock.now() }
  }

  #emit(event: RevocationEvent): void {
    if (event.tokenIds.length === 0 && event.grantIds.length === 0) return
    for (const listener of this.#listeners) listener(event)
  }
}

async function loadRequired(db: Executor, id: string): Promise<TokenRecord> {
  const token = await loadToken(db, id)
  if (!token) throw new Error(`token ${id} vanished inside its transaction`)
  return token
}

async function assertActive(status: Promise<TokenStatus>): Promise<void> {
  const s = await status
  if (s === 'used_up') throw new MintingNotAllowed('used_up', 'the parent token has been used')
  if (s !== 'active') throw new MintingNotAllowed('inactive', `the parent token is ${s}`)
}
