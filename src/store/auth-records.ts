/**
 * The records of the `AuthStore` port: the grant/token model as the rest of labgate sees it, with JSON
 * decoded, flags as booleans and times as ms since the epoch (null = no expiry). The tree is
 * user sign-in → client sign-in → grant → tokens, with lineage between tokens through `parentId`.
 */
import type { UserKind } from '../domain/types.js'

/** `robot`: the Educates API client; `session`: labgate's own browser clients; `registered`: any other. */
export type ClientKind = 'robot' | 'session' | 'registered'

/** The kinds of token labgate issues. */
export type TokenClass = 'authorization_code' | 'access_token' | 'refresh_token' | 'id_token'

/** The rule for one token class. Absent fields fall through to the next lower level. */
export interface UsageRule {
  /** Lifetime in seconds; null = as long as the grant. */
  expiresIn?: number | null
  /** Uses allowed (a code redeemed, a refresh token rotated); null = unlimited. */
  maxUsage?: number | null
  /** Classes that may be minted from a token of this class. */
  supportsMinting?: TokenClass[]
}

/** Rules per class, as stored on grants and clients. */
export type UsageRules = Partial<Record<TokenClass, UsageRule>>

/** The subject identifier a client's users get: `public`, `pairwise` (per sector) or `ephemeral` (per grant). */
export type SubjectType = 'public' | 'pairwise' | 'ephemeral'

export const SUBJECT_TYPES: readonly SubjectType[] = ['public', 'pairwise', 'ephemeral']

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

/** One authentication of a user (a user sign-in), shared by the client sign-ins made through it. */
export interface UserSignInRecord {
  id: string
  userId: string
  authnEvent: AuthnEvent
  createdAt: number
  expiresAt: number | null
  revoked: boolean
}

/** A user sign-in as seen by one client (a client sign-in). */
export interface ClientSignInRecord {
  id: string
  userSignInId: string
  clientId: string
  sub: string
  /** How `sub` was made; `ephemeral` client sign-ins give each grant a fresh sub instead. */
  subType: SubjectType
  createdAt: number
  revoked: boolean
}

export interface GrantRecord {
  id: string
  clientSignInId: string
  scope: string[]
  claims: Record<string, unknown>
  resources: string[]
  sub: string
  usageRules: UsageRules
  createdAt: number
  expiresAt: number | null
  revoked: boolean
}

/** A token without its value (only the hash is stored, and never leaves the store). */
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
  clientSignIn: ClientSignInRecord
  userSignIn: UserSignInRecord
  client: ClientRecord
  user: UserRef
}

/** A token with everything above it in the tree. */
export interface TokenContext extends GrantContext {
  token: TokenRecord
}

/** What a revocation made inactive: tokens by id, and whole grants (all their tokens). */
export interface RevocationEvent {
  tokenIds: string[]
  grantIds: string[]
}

/** A user who may sign in with a password (or be provisioned): the credential columns of a user. */
export interface UserCredentials {
  id: string
  kind: UserKind
  username: string | null
  /** scrypt hash; null when the user cannot sign in with a password. */
  passwordHash: string | null
  /** Disabled by staff: no password sign-in, no password grant. */
  disabled: boolean
}
