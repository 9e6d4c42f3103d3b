/**
 * The grant/token model: user sign-in → client sign-in → grant → tokens with lineage. Every credential
 * labgate issues is a token minted here; only hashes of token values are stored (through `AuthStore`).
 */
import type { Clock } from '../domain/clock.js'
import { notFound } from '../domain/errors.js'
import type {
  GrantContext,
  GrantRecord,
  RevocationEvent,
  TokenContext,
  TokenRecord,
} from '../store/auth-records.js'
import type { AuthStore } from '../store/auth-store.js'
import { MintingNotAllowed } from './errors.js'
import { assertMayMint, insertToken, type MintedToken, type TokenOptions } from './minting.js'
import { hashToken } from './secrets.js'
import { SignInKeys } from './sign-in-key.js'
import {
  addGrant,
  openGrant,
  openSignIn,
  readSignIn,
  type AddGrantInput,
  type OpenSignInInput,
  type SignInCtx,
  type SignInInfo,
} from './sign-ins.js'
import type { TokenClass } from './token-class.js'
import { grantStatus, tokenStatus, type TokenStatus } from './token-status.js'

export type { RevocationEvent } from '../store/auth-records.js'
export type { MintedToken, TokenOptions } from './minting.js'
export type { AddGrantInput, OpenSignInInput, SignInInfo } from './sign-ins.js'
export type { TokenStatus } from './token-status.js'

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

/** One grant for `startGrants`: the sign-in to open, the grant to add, and the first token to mint. */
export interface GrantStart {
  signIn: OpenSignInInput
  grant: AddGrantInput
  cls: TokenClass
  opts?: TokenOptions
}

/** What `startGrant` made: the grant, a sign-in key naming it, and its first token. */
export interface StartedGrant {
  signInKey: string
  grant: GrantRecord
  token: MintedToken
  /** The grant with everything above it, as written. */
  tree: GrantContext
}

export interface GrantManagerDeps {
  auth: AuthStore
  clock: Clock
  /** Server secret that sign-in keys are sealed with (≥ 16 bytes). */
  secret: string | Uint8Array
}

/** Opens sign-ins and grants, mints, finds and revokes tokens. One per process; safe to share. */
export class GrantManager {
  readonly #auth: AuthStore
  readonly #clock: Clock
  readonly #keys: SignInKeys
  readonly #listeners = new Set<(e: RevocationEvent) => void>()

  constructor(deps: GrantManagerDeps) {
    this.#auth = deps.auth
    this.#clock = deps.clock
    this.#keys = new SignInKeys(deps.secret)
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
   * Opens a client sign-in for a user (and a new user sign-in unless `userSignInOf` or `userSignInId`
   * names one) and returns its sealed sign-in key. Not idempotent: every call opens a new client sign-in.
   * Throws not_found for an unknown user or client, bad_request for an invalid `userSignInOf` key,
   * forbidden when that user sign-in is inactive or belongs to another user.
   */
  async openSignIn(input: OpenSignInInput): Promise<string> {
    return openSignIn(this.#ctx(), input)
  }

  /**
   * Everything `signInKey` points at, or null when the key is invalid or its rows are gone. Revoked
   * sign-ins are returned too (check their `revoked` flags).
   */
  async getSignIn(signInKey: string): Promise<SignInInfo | null> {
    return readSignIn(this.#ctx(), signInKey)
  }

  /**
   * Adds a grant to the client sign-in of `signInKey`; returns it with a new sign-in key that also names
   * the grant. Not idempotent. Throws bad_request for an invalid key, forbidden when the sign-in is not
   * active.
   */
  async addGrant(
    signInKey: string,
    input: AddGrantInput,
  ): Promise<{ grant: GrantRecord; signInKey: string }> {
    return addGrant(this.#ctx(), signInKey, input)
  }

  /** The grant with id `grantId`, or null. */
  async getGrant(grantId: string): Promise<GrantRecord | null> {
    return this.#auth.getGrant(grantId)
  }

  /** Every token of a grant, active or not, oldest first; [] for an unknown grant. */
  async grantTokens(grantId: string): Promise<TokenRecord[]> {
    return this.#auth.grantTokens(grantId)
  }

  /** True when the grant and both sign-ins above it are unrevoked and unexpired; false for unknown grants. */
  async isGrantActive(grantId: string): Promise<boolean> {
    const tree = await this.#auth.grantContext(grantId)
    return tree !== null && grantStatus(tree, this.#clock.now()) === 'active'
  }

  /**
   * Mints a token of class `cls` in a grant, from the grant itself or `basedOn` a token of the same grant.
   * Minting does not use up the parent (see `redeemToken`). Throws not_found for an unknown grant,
   * `MintingNotAllowed` when the grant or parent is inactive, the parent belongs to another grant or may
   * not mint `cls`, or the scope is broader than the parent's (or grant's).
   */
  async mintToken(grantId: string, cls: TokenClass, opts: MintOptions = {}): Promise<MintedToken> {
    return this.#auth.transaction(async (tx) => {
      const tree = await tx.grantContext(grantId)
      if (!tree) throw notFound(`grant ${grantId} does not exist`)
      const now = this.#clock.now()
      if (grantStatus(tree, now) !== 'active')
        throw new MintingNotAllowed('inactive', 'the grant is not active')
      let parent: TokenRecord | null = null
      if (opts.basedOn !== undefined) {
        parent = await tx.getToken(opts.basedOn)
        if (!parent || parent.grantId !== grantId)
          throw new MintingNotAllowed('wrong_grant', 'the parent token is not in this grant')
        await assertActive(tokenStatus(tx, parent, tree, now))
        assertMayMint(tree, parent, cls)
      }
      return insertToken(tx, tree, cls, parent, opts, now)
    })
  }

  /**
   * {@link openSignIn}, {@link addGrant} and {@link mintToken} (from the grant) in one transaction, so
   * in one commit: what an authorization endpoint does to issue a code. Same errors as the three; on any
   * error nothing is written.
   */
  async startGrant(
    signIn: OpenSignInInput,
    grant: AddGrantInput,
    cls: TokenClass,
    opts: TokenOptions = {},
  ): Promise<StartedGrant> {
    return (await this.startGrants([{ signIn, grant, cls, opts }]))[0]!
  }

  /**
   * {@link startGrant} for each of `starts`, all in one transaction (one commit). Every start after the
   * first joins the first one's user sign-in (its own `userSignInOf` and `userSignInId` are ignored), so
   * that ending that sign-in ends them all: a browser signed in to the portal and to a dashboard at once.
   * Returns what each start made, in order. Same errors as `startGrant`; on any error nothing is written.
   */
  async startGrants(starts: readonly GrantStart[]): Promise<StartedGrant[]> {
    return this.#auth.transaction(async (tx) => {
      const ctx = { ...this.#ctx(), auth: tx }
      const out: StartedGrant[] = []
      let joining: Parameters<typeof openGrant>[3]
      for (const { signIn, grant, cls, opts = {} } of starts) {
        const { tree, signInKey } = await openGrant(ctx, signIn, grant, joining)
        joining ??= { userSignIn: tree.userSignIn, user: tree.user }
        if (grantStatus(tree, ctx.now) !== 'active')
          throw new MintingNotAllowed('inactive', 'the grant is not active')
        const token = await insertToken(tx, tree, cls, null, opts, ctx.now)
        out.push({ signInKey, grant: tree.grant, token, tree })
      }
      return out
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
    return this.#auth.transaction(async (tx) => {
      const parent = await tx.getToken(tokenId)
      if (!parent) throw notFound(`token ${tokenId} does not exist`)
      const tree = await tx.grantContext(parent.grantId)
      if (!tree) throw notFound(`grant ${parent.grantId} does not exist`)
      const now = this.#clock.now()
      await assertActive(tokenStatus(tx, parent, tree, now))
      if (!(await tx.useToken(tokenId))) throw new MintingNotAllowed('used_up', 'the token has been used')
      const out: MintedToken[] = []
      const mintAll = async (from: TokenRecord, list: RedeemMint[]): Promise<void> => {
        for (const { class: cls, children, ...opts } of list) {
          assertMayMint(tree, from, cls)
          const minted = await insertToken(tx, tree, cls, from, opts, now)
          out.push(minted)
          if (children?.length) await mintAll(await loadRequired(tx, minted.id), children)
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
    return this.#auth.useToken(tokenId)
  }

  /**
   * The token whose value is `value`, with its grant, sign-ins, client and user; null when unknown.
   * Inactive tokens are found too: ask `tokenStatus`/`isActive`. One query.
   */
  async findToken(value: string): Promise<TokenContext | null> {
    return this.#auth.tokenContext({ valueHash: hashToken(value) })
  }

  /**
   * Why `token` is (in)active now (see `TokenStatus`). Given a `TokenContext` (as `findToken` returns) its
   * loaded tree is used; given a bare record, the current state is read from the store ('revoked' when the
   * token no longer exists).
   */
  async tokenStatus(token: TokenRecord | TokenContext): Promise<TokenStatus> {
    const ctx = 'grant' in token ? token : await this.#auth.tokenContext({ id: token.id })
    if (!ctx) return 'revoked'
    return tokenStatus(this.#auth, ctx.token, ctx, this.#clock.now())
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
    const found = await this.#auth.tokenContext({ valueHash: hashToken(value) })
    if (!found) return false
    const id = found.token.id
    if (opts.recursive) this.#emit({ tokenIds: await this.#auth.revokeTokenTrees([id]), grantIds: [] })
    else {
      await this.#auth.revokeTokens([id])
      // descendants are inactive through their revoked ancestor: report them too, for caches
      this.#emit({ tokenIds: await this.#auth.tokenTreeIds([id]), grantIds: [] })
    }
    return true
  }

  /**
   * Revokes the tokens minted from `tokenId` (only those of class `cls` when given), with their subtrees;
   * the token itself stays as it is. Idempotent; returns how many tokens it revoked (0 for an unknown id).
   */
  async revokeChildren(tokenId: string, cls?: TokenClass): Promise<number> {
    const ids = await this.#auth.revokeTokenTrees(await this.#auth.childTokenIds(tokenId, cls))
    this.#emit({ tokenIds: ids, grantIds: [] })
    return ids.length
  }

  /** Revokes a grant and all its tokens. Idempotent; returns false for an unknown grant. */
  async revokeGrant(grantId: string): Promise<boolean> {
    const grantIds = await this.#auth.revokeGrants([grantId])
    this.#emit({ tokenIds: [], grantIds })
    return grantIds.length > 0
  }

  /**
   * Revokes every client sign-in of client `clientId`, with their grants and tokens (the client itself
   * stays as it is). Idempotent; returns how many grants it revoked (0 for an unknown client).
   */
  async revokeClientSignInsOf(clientId: string): Promise<number> {
    const event = await this.#auth.revokeClientSignInsOf(clientId)
    this.#emit(event)
    return event.grantIds.length
  }

  /** Revokes a client sign-in, its grants and their tokens. Idempotent; false for an unknown id. */
  async revokeClientSignIn(clientSignInId: string): Promise<boolean> {
    const event = await this.#auth.revokeClientSignIns([clientSignInId])
    if (event) this.#emit(event)
    return event !== null
  }

  /**
   * Revokes a user sign-in (a sign-out) and, through it, every client sign-in, grant and token under it.
   * Idempotent; false for an unknown id.
   */
  async revokeUserSignIn(userSignInId: string): Promise<boolean> {
    const event = await this.#auth.revokeUserSignIn(userSignInId)
    if (event) this.#emit(event)
    return event !== null
  }

  /**
   * Revokes every sign-in of user `userId` (each with its client sign-ins, grants and tokens), so that
   * none of the user's tokens or cookies works any more. Idempotent. Returns how many were revoked.
   */
  async revokeUserSignInsOf(userId: string): Promise<number> {
    let n = 0
    for (const id of await this.#auth.activeUserSignInIds(userId)) if (await this.revokeUserSignIn(id)) n++
    return n
  }

  #ctx(): SignInCtx {
    return { auth: this.#auth, keys: this.#keys, now: this.#clock.now() }
  }

  #emit(event: RevocationEvent): void {
    if (event.tokenIds.length === 0 && event.grantIds.length === 0) return
    for (const listener of this.#listeners) listener(event)
  }
}

async function loadRequired(auth: AuthStore, id: string): Promise<TokenRecord> {
  const token = await auth.getToken(id)
  if (!token) throw new Error(`token ${id} vanished inside its transaction`)
  return token
}

async function assertActive(status: Promise<TokenStatus>): Promise<void> {
  const s = await status
  if (s === 'used_up') throw new MintingNotAllowed('used_up', 'the parent token has been used')
  if (s !== 'active') throw new MintingNotAllowed('inactive', `the parent token is ${s}`)
}
