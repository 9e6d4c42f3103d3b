/** Creating token rows: resolving class rules, scope, resources and expiry, and storing only the hash. */
import { randomUUID } from 'node:crypto'
import { MintingNotAllowed } from './errors.js'
import type { GrantContext, MintedToken, TokenRecord } from './records.js'
import type { Executor } from './rows.js'
import { formatScope, isScopeSubset } from './scope.js'
import { hashToken, randomToken } from './secrets.js'
import { resolveUsageRule, type TokenClass } from './token-class.js'

/** Per-token choices; each absent one comes from the class's usage rule or is inherited. */
export interface TokenOptions {
  /** Must be within the parent's scope (or the grant's when there is no parent). Default: inherited. */
  scope?: string[]
  /** Must be within the parent's (or grant's) resources. Default: inherited. */
  resources?: string[]
  /** Lifetime in seconds; null = as long as the grant. Default: the class's usage rule. */
  expiresIn?: number | null
  /** null = unlimited. Default: the class's usage rule. */
  maxUsage?: number | null
}

/** Throws `MintingNotAllowed('class_not_allowed')` unless `parent`'s class may mint `cls` under `tree`'s rules. */
export function assertMayMint(tree: GrantContext, parent: TokenRecord, cls: TokenClass): void {
  const rule = resolveUsageRule(parent.class, tree.grant.usageRules, tree.client.usageRules)
  if (!rule.supportsMinting.includes(cls))
    throw new MintingNotAllowed('class_not_allowed', `a ${parent.class} may not mint a ${cls}`)
}

const earliest = (...times: (number | null)[]): number | null => {
  const set = times.filter((t): t is number => t !== null)
  return set.length ? Math.min(...set) : null
}

/**
 * Inserts a new token of class `cls` in `tree`'s grant, minted from `parent` (or from the grant when null),
 * and returns its value. Does not check activity or minting rights: callers do. Throws
 * `MintingNotAllowed('scope_too_broad')` when the requested scope or resources exceed what is inherited.
 */
export async function insertToken(
  db: Executor,
  tree: GrantContext,
  cls: TokenClass,
  parent: TokenRecord | null,
  opts: TokenOptions,
  now: number,
): Promise<MintedToken> {
  const rule = resolveUsageRule(cls, tree.grant.usageRules, tree.client.usageRules)
  const baseScope = parent ? parent.scope : tree.grant.scope
  const baseResources = parent ? parent.resources : tree.grant.resources
  if (opts.scope && !isScopeSubset(opts.scope, baseScope))
    throw new MintingNotAllowed('scope_too_broad', 'the requested scope exceeds the granted scope')
  if (opts.resources && !isScopeSubset(opts.resources, baseResources))
    throw new MintingNotAllowed('scope_too_broad', 'the requested resources exceed the granted resources')
  const scope = opts.scope ?? baseScope
  const resources = opts.resources ?? baseResources
  const expiresIn = opts.expiresIn !== undefined ? opts.expiresIn : rule.expiresIn
  const expiresAt = earliest(
    expiresIn === null ? null : now + expiresIn * 1000,
    tree.grant.expiresAt,
    tree.userSession.expiresAt,
  )
  const value = randomToken(32)
  const id = randomUUID()
  await db
    .insertInto('auth_tokens')
    .values({
      id,
      grant_id: tree.grant.id,
      class: cls,
      parent_id: parent?.id ?? null,
      value_hash: hashToken(value),
      scope: formatScope(scope),
      resources: JSON.stringify(resources),
      used: 0,
      max_usage: opts.maxUsage !== undefined ? opts.maxUsage : rule.maxUsage,
      created_at: now,
      expires_at: expiresAt,
      revoked: 0,
    })
    .execute()
  return { id, class: cls, value, scope: [...scope], expiresAt }
}

/**
 * Uses token `tokenId` once, atomically: increments `used` only while it is unrevoked and under its max
 * usage. True when a use was taken; false (nothing changed) otherwise.
 */
export async function claimUse(db: Executor, tokenId: string): Promise<boolean> {
  const res = await db
    .updateTable('auth_tokens')
    .set((eb) => ({ used: eb('used', '+', 1) }))
    .where('id', '=', tokenId)
    .where('revoked', '=', 0)
    .where((eb) => eb.or([eb('max_usage', 'is', null), eb('used', '<', eb.ref('max_usage'))]))
    .executeTakeFirst()
  return Number(res.numUpdatedRows) > 0
}
