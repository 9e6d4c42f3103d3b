/**
 * Token classes and their usage rules. A rule says how long a token of the class lives, how often it may
 * be used and which classes may be minted from it. Precedence: defaults < grant < client.
 */

import type { TokenClass, UsageRule, UsageRules } from '../store/auth-records.js'

export type { TokenClass, UsageRule, UsageRules }

export const TOKEN_CLASSES: readonly TokenClass[] = [
  'authorization_code',
  'access_token',
  'refresh_token',
  'id_token',
]

/** A fully resolved rule: every field decided. */
export type ResolvedUsageRule = Required<UsageRule>

/**
 * The defaults (auth.md): a code lives 5 minutes, may be used once and mints access, refresh and id
 * tokens; a refresh token mints access and refresh tokens; access and id tokens mint nothing.
 */
export const DEFAULT_USAGE_RULES: Readonly<Record<TokenClass, ResolvedUsageRule>> = {
  authorization_code: {
    expiresIn: 300,
    maxUsage: 1,
    supportsMinting: ['access_token', 'refresh_token', 'id_token'],
  },
  access_token: { expiresIn: 3600, maxUsage: null, supportsMinting: [] },
  refresh_token: {
    expiresIn: 30 * 24 * 3600,
    maxUsage: null,
    supportsMinting: ['access_token', 'refresh_token'],
  },
  id_token: { expiresIn: 3600, maxUsage: null, supportsMinting: [] },
}

/** True for the four known classes; use to validate class names read from outside. */
export function isTokenClass(value: string): value is TokenClass {
  return (TOKEN_CLASSES as readonly string[]).includes(value)
}

/** The rule for `cls`: client rules over the defaults, then the grant's own rules over both (most specific wins). Pure. */
export function resolveUsageRule(
  cls: TokenClass,
  grantRules: UsageRules = {},
  clientRules: UsageRules = {},
): ResolvedUsageRule {
  const out: ResolvedUsageRule = { ...DEFAULT_USAGE_RULES[cls] }
  for (const rule of [clientRules[cls], grantRules[cls]]) {
    if (!rule) continue
    if (rule.expiresIn !== undefined) out.expiresIn = rule.expiresIn
    if (rule.maxUsage !== undefined) out.maxUsage = rule.maxUsage
    if (rule.supportsMinting !== undefined) out.supportsMinting = [...rule.supportsMinting]
  }
  return out
}
