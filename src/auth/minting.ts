/** Creating token rows: resolving class rules, scope, resources and expiry, and storing only the hash. */
import { randomUUID } from 'node:crypto'
import { MintingNotAllowed } from './errors.js'
import type { GrantContext, TokenRecord } from '../store/auth-records.js'
import type { AuthStore } from '../store/auth-store.js'
import { isScopeSubset } from './scope.js'
import { hashToken, randomToken } from './secrets.js'
import { resolveUsageRule, type TokenClass } from './token-class.js'

/** What minting hands out. `value` exists only here: the store keeps its hash. */
export interface MintedToken {
  id: string
  class: TokenClass
  value: string
  scope: string[]
  expiresAt: number | null
  /** How many uses it allows; null = any number. */
  maxUsage: number | null
}

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
  auth: AuthStore,
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
    tree.userSignIn.expiresAt,
  )
  const value = randomToken(32)
  const id = randomUUID()
  const maxUsage = opts.maxUsage !== undefined ? opts.maxUsage : rule.maxUsage
  await auth.createToken({
    id,
    grantId: tree.grant.id,
    class: cls,
    parentId: parent?.id ?? null,
    valueHash: hashToken(value),
    scope,
    resources,
    maxUsage,
    createdAt: now,
    expiresAt,
  })
  return { id, class: cls, value, scope: [...scope], expiresAt, maxUsage }
}
