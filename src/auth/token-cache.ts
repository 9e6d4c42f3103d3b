/**
 * Bearer authentication on the hot path: an in-memory cache from token hash to the identity behind an
 * active access token. A hit costs one sha256 and a Map lookup, with no database access.
 *
 * Freshness: revocations committed by this process's `GrantManager` evict matching entries at once (and a
 * lookup that raced with a revocation is not cached). Revocations by another process are seen after at
 * most `ttlMs`. Tokens with a max usage are never cached, since every use must be counted in the store.
 */
import type { Clock } from '../domain/clock.js'
import type { UserKind } from '../domain/types.js'
import type { GrantManager, RevocationEvent, StartedGrant } from './grant-manager.js'
import { hashToken } from './secrets.js'

/** Who is calling with a bearer token. Frozen: shared between requests. */
export interface BearerIdentity {
  userId: string
  userKind: UserKind
  clientId: string
  grantId: string
  tokenId: string
  scope: readonly string[]
  /** ms since the epoch; null = as long as the grant. */
  expiresAt: number | null
}

export interface TokenCacheOptions {
  grants: GrantManager
  clock: Clock
  /** How long an entry is trusted without asking the store again. Default 5000 ms. */
  ttlMs?: number
  /** Entries kept at most; the oldest go first. Default 100,000. */
  maxEntries?: number
}

interface Entry {
  identity: BearerIdentity
  staleAt: number
}

/** Authenticates bearer tokens through a short-lived cache over a `GrantManager`. */
export class TokenCache {
  readonly #grants: GrantManager
  readonly #clock: Clock
  readonly #ttl: number
  readonly #max: number
  readonly #entries = new Map<string, Entry>()
  readonly #unsubscribe: () => void
  /** Bumped by every revocation; a lookup that started in an older generation is not cached. */
  #generation = 0

  constructor(opts: TokenCacheOptions) {
    this.#grants = opts.grants
    this.#clock = opts.clock
    this.#ttl = opts.ttlMs ?? 5000
    this.#max = opts.maxEntries ?? 100_000
    this.#unsubscribe = opts.grants.onRevoke((e) => this.#invalidate(e))
  }

  /**
   * The identity behind an access token, or null when the value is unknown, not an access token, or not
   * active (revoked, expired, used up, or anything above it inactive). Never throws for bad input; store
   * errors propagate. An expired token is never returned, even from the cache.
   */
  async authenticateBearer(value: string): Promise<BearerIdentity | null> {
    const key = hashToken(value)
    const now = this.#clock.now()
    const hit = this.#entries.get(key)
    if (hit) {
      const { expiresAt } = hit.identity
      if (expiresAt !== null && expiresAt <= now) {
        this.#entries.delete(key)
        return null
      }
      if (hit.staleAt > now) return hit.identity
      this.#entries.delete(key)
    }
    const generation = this.#generation
    const ctx = await this.#grants.findToken(value)
    if (!ctx || ctx.token.class !== 'access_token') return null
    if ((await this.#grants.tokenStatus(ctx)) !== 'active') return null
    const identity: BearerIdentity = Object.freeze({
      userId: ctx.user.id,
      userKind: ctx.user.kind,
      clientId: ctx.client.id,
      grantId: ctx.grant.id,
      tokenId: ctx.token.id,
      scope: Object.freeze([...ctx.token.scope]),
      expiresAt: ctx.token.expiresAt,
    })
    if (ctx.token.maxUsage === null && generation === this.#generation) this.#put(key, identity)
    return identity
  }

  #put(key: string, identity: BearerIdentity): void {
    if (this.#entries.size >= this.#max) this.#entries.delete(this.#entries.keys().next().value as string)
    this.#entries.set(key, { identity, staleAt: this.#clock.now() + this.#ttl })
  }

  /** Bumped by every revocation this cache hears of: read it before minting tokens to {@link remember}. */
  get generation(): number {
    return this.#generation
  }

  /**
   * Caches the access token of a grant this process has just started and committed
   * (`GrantManager.startGrants`), so that its first use needs no lookup. Nothing is cached for another
   * class, for a token with a max usage (every use must be counted), or when a revocation has been heard
   * since `generation` was read (the new token may be among the revoked).
   */
  remember({ token, tree }: StartedGrant, generation: number): void {
    if (token.class !== 'access_token' || token.maxUsage !== null || generation !== this.#generation) return
    const identity: BearerIdentity = Object.freeze({
      userId: tree.user.id,
      userKind: tree.user.kind,
      clientId: tree.client.id,
      grantId: tree.grant.id,
      tokenId: token.id,
      scope: Object.freeze([...token.scope]),
      expiresAt: token.expiresAt,
    })
    this.#put(hashToken(token.value), identity)
  }

  /** Entries currently held (for metrics and tests). */
  get size(): number {
    return this.#entries.size
  }

  /** Drops every entry. Idempotent. */
  clear(): void {
    this.#generation++
    this.#entries.clear()
  }

  /** Stops listening to the grant manager and drops every entry. Idempotent. */
  close(): void {
    this.#unsubscribe()
    this.clear()
  }

  #invalidate(e: RevocationEvent): void {
    this.#generation++
    const tokens = new Set(e.tokenIds)
    const grants = new Set(e.grantIds)
    for (const [key, { identity }] of this.#entries)
      if (tokens.has(identity.tokenId) || grants.has(identity.grantId)) this.#entries.delete(key)
  }
}
