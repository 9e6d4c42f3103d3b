/**
 * When a token is active. The token itself must be unrevoked, unexpired and under its max usage; its grant,
 * client sign-in and user sign-in unrevoked and unexpired; its client enabled; its ancestors unrevoked.
 * Ancestors' own expiry and usage do not count: a code is used up and expired minutes after it minted an
 * access token that must live on, and a rotated-out refresh token is used up while its successor is valid.
 */
import type { GrantContext, TokenRecord } from '../store/auth-records.js'
import type { AuthStore } from '../store/auth-store.js'

/**
 * Why a token is or is not usable, in order of precedence: `revoked` (the token, an ancestor, its grant,
 * either sign-in, or its client disabled), `used_up` (max usage reached), `expired` (the token, its grant
 * or its user sign-in).
 */
export type TokenStatus = 'active' | 'revoked' | 'used_up' | 'expired'

const expired = (at: number | null, now: number) => at !== null && at <= now

/** The status of the grant and the sign-ins above it: `active`, `revoked` or `expired`. Pure. */
export function grantStatus(tree: GrantContext, now: number): Exclude<TokenStatus, 'used_up'> {
  if (tree.grant.revoked || tree.clientSignIn.revoked || tree.userSignIn.revoked) return 'revoked'
  if (tree.client.disabled) return 'revoked'
  if (expired(tree.grant.expiresAt, now) || expired(tree.userSignIn.expiresAt, now)) return 'expired'
  return 'active'
}

/** How many exchanges deep a chain of exchanged tokens may be followed (longer chains are inactive). */
const MAX_EXCHANGE_DEPTH = 8

/**
 * The status of `token` under `tree` (which must be its grant's context), reading its ancestors from `auth`.
 * A token of a grant made by token exchange (RFC 8693; the grant's `claims.exchangedFrom` names the subject
 * token) is also only as active as that subject token: revoking or expiring it ends the exchanged one.
 */
export async function tokenStatus(
  auth: AuthStore,
  token: TokenRecord,
  tree: GrantContext,
  now: number,
  depth = 0,
): Promise<TokenStatus> {
  const above = grantStatus(tree, now)
  if (token.revoked || above === 'revoked') return 'revoked'
  if (await auth.hasRevokedAncestor(token.parentId)) return 'revoked'
  if (token.maxUsage !== null && token.used >= token.maxUsage) return 'used_up'
  if (above === 'expired' || expired(token.expiresAt, now)) return 'expired'
  const from = tree.grant.claims.exchangedFrom
  if (typeof from !== 'string') return 'active'
  if (depth >= MAX_EXCHANGE_DEPTH) return 'revoked'
  const subject = await auth.tokenContext({ id: from })
  if (!subject) return 'revoked'
  const s = await tokenStatus(auth, subject.token, subject, now, depth + 1)
  return s === 'active' ? 'active' : s === 'expired' ? 'expired' : 'revoked'
}
