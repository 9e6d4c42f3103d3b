/**
 * The grant/token model as the rest of labgate sees it: plain objects read from the `auth_*` tables, with
 * JSON decoded, flags as booleans and times as ms since the epoch (null = no expiry).
 */
import type { UserKind } from '../domain/types.js'
import type { SubjectType } from './subject-id.js'
import type { TokenClass, UsageRules } from './token-class.js'

/** `robot`: the Educates API client; `session`: labgate's own browser sessions; `registered`: any other. */
export type ClientKind = 'robot' | 'session' | 'registered'

export interface ClientRecord {
  id: string
  name: string
  kind: ClientKind
  /** True when the client has a secret (and must present it). */
  confidential: boolean
  grantTypes: string[]
  scopes: string[]
  redirectUris: string[]
  usageRules: UsageRules
  /** The subject identifier its users get: `public`, `pairwise` (per sector) or `ephemeral` (per grant). */
  subjectType: SubjectType
  /** The sector of a pairwise client; null = the client id is its own sector. */
  sectorIdentifier: string | null
  /** Disabled by an admin: it cannot authenticate or authorize, and its tokens are inactive. */
  disabled: boolean
  createdAt: number
}

/** How and when a user authenticated. `at` is ms since the epoch. */
export interface AuthnEvent {
  method: string
  at: number
  [detail: string]: unknown
}

export interface UserSessionRecord {
  id: string
  userId: string
  authnEvent: AuthnEvent
  createdAt: number
  expiresAt: number | null
  revoked: boolean
}

export interface ClientSessionRecord {
  id: string
  userSessionId: string
  clientId: string
  sub: string
  /** How `sub` was made; `ephemeral` client sessions give each grant a fresh sub instead. */
  subType: SubjectType
  createdAt: number
  revoked: boolean
}

export interface GrantRecord {
  id: string
  clientSessionId: string
  scope: string[]
  claims: Record<string, unknown>
  resources: string[]
  sub: string
  usageRules: UsageRules
  createdAt: number
  expiresAt: number | null
  revoked: boolean
}

/** A token without its value (only the hash is stored, and never leaves the store layer). */
export interface TokenRecord {
  id: string
  grantId: string
  class: TokenClass
  parentId: string | null
  scope: string[]
  resources: string[]
  used: number
  maxUsage: number | null
  createdAt: number
  expiresAt: number | null
  revoked: boolean
}

/** The user a token speaks for. */
export interface UserRef {
  id: string
  kind: UserKind
  username: string | null
}

/** A grant with everything above it in the tree. */
export interface GrantContext {
  grant: GrantRecord
  clientSession: ClientSessionRecord
  userSession: UserSessionRecord
  client: ClientRecord
  user: UserRef
}

/** A token with everything above it in the tree, as `GrantManager.findToken` returns it. */
export interface TokenContext extends GrantContext {
  token: TokenRecord
}

/** What `mintToken` hands out. `value` exists only here: the store keeps its hash. */
export interface MintedToken {
  id: string
  class: TokenClass
  value: string
  scope: string[]
  expiresAt: number | null
}

/**
 * Why a token is or is not usable, in order of precedence: `revoked` (the token, an ancestor, its grant, or
 * either session), `used_up` (max usage reached), `expired` (the token, its grant or its user session).
 */
export type TokenStatus = 'active' | 'revoked' | 'used_up' | 'expired'
