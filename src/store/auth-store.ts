/**
 * The durable state of the grant/token model and of people's credentials, behind one interface beside
 * `Store`: OAuth clients, user and client sign-ins, grants, tokens and their lineage, consents, password
 * hashes, and the settings the robot's provisioning keeps. `KyselyAuthStore` implements it for SQLite
 * and PostgreSQL; every implementation passes `test/conformance/auth-store.suite.ts`.
 *
 * Contracts, as in `Store`: a method called "conditional" changes nothing and says so (false, null) when
 * its condition does not hold, so races resolve in the database. "Not found" reads return null (or [] for
 * lists), never throw. Revocation marks rows revoked and never deletes them, so lineage and audit survive;
 * every revocation is idempotent and atomic (all of its rows or none). Only hashes of token values and of
 * secrets are ever stored.
 */
import type { UserKind } from '../domain/types.js'
import type {
  AuthnEvent,
  ClientKind,
  ClientRecord,
  ClientSignInRecord,
  GrantContext,
  GrantRecord,
  RevocationEvent,
  SubjectType,
  TokenClass,
  TokenContext,
  TokenRecord,
  UsageRules,
  UserCredentials,
  UserSignInRecord,
} from './auth-records.js'

export interface NewClient {
  id: string
  name: string
  kind: ClientKind
  /** scrypt hash of the secret; null for a public client. */
  secretHash: string | null
  grantTypes: string[]
  scopes: string[]
  redirectUris: string[]
  /** null = no rules of its own. */
  usageRules: UsageRules | null
  subjectType: SubjectType
  sectorIdentifier: string | null
  createdAt: number
}

/** What `updateClient` may change; absent fields stay as they are. */
export interface ClientPatch {
  name?: string
  kind?: ClientKind
  secretHash?: string | null
  grantTypes?: string[]
  scopes?: string[]
  redirectUris?: string[]
}

export interface NewUser {
  id: string
  kind: UserKind
  username: string | null
  email?: string | null
  passwordHash: string | null
  at: number
}

export interface NewUserSignIn {
  id: string
  userId: string
  authnEvent: AuthnEvent
  createdAt: number
  expiresAt: number | null
}

export interface NewClientSignIn {
  id: string
  userSignInId: string
  clientId: string
  sub: string
  subType: SubjectType
  createdAt: number
}

export type NewGrant = Omit<GrantRecord, 'revoked'>

export interface NewToken {
  id: string
  grantId: string
  class: TokenClass
  parentId: string | null
  /** sha256 hex of the value; the value itself is never stored. */
  valueHash: string
  scope: string[]
  resources: string[]
  maxUsage: number | null
  createdAt: number
  expiresAt: number | null
}

export interface AuthStore {
  /**
   * Runs `fn` in one transaction: all of its writes land or none do, and it resolves once they are
   * durable. Nested calls reuse the transaction.
   */
  transaction<T>(fn: (tx: AuthStore) => Promise<T>): Promise<T>

  // ---- users' credentials

  /** The credentials of user `id`, or null. */
  getUserCredentials(id: string): Promise<UserCredentials | null>
  /** The user whose username is exactly `username`, or null. */
  findUserByUsername(username: string): Promise<UserCredentials | null>
  /** Users of one of `kinds` whose email address is `email`, compared case-insensitively; at most `limit`. */
  findUsersByEmail(email: string, kinds: readonly UserKind[], limit: number): Promise<UserCredentials[]>
  /** True when some user's username is `username`, compared case-insensitively. */
  isUsernameTaken(username: string): Promise<boolean>
  /** True when a user of one of `kinds` has the email address `email`, compared case-insensitively. */
  isEmailTaken(email: string, kinds: readonly UserKind[]): Promise<boolean>
  /** True when at least one user is of kind `kind`. */
  hasUserOfKind(kind: UserKind): Promise<boolean>
  /** Creates a user. Throws `conflict` when the id or the username is taken. */
  createUser(u: NewUser): Promise<void>
  /** Conditional: creates the user unless its id or username is taken; true when it did. */
  createUserIfAbsent(u: NewUser): Promise<boolean>
  /** Sets the fields given (undefined leaves one unchanged) and `updated_at`; nothing for an unknown id. */
  updateUserCredentials(
    id: string,
    patch: { username?: string; kind?: UserKind; passwordHash?: string | null },
    at: number,
  ): Promise<void>

  // ---- settings kept by provisioning

  /** Every setting whose key starts with `prefix`. */
  settingsWithPrefix(prefix: string): Promise<Map<string, string>>
  /** Stores `value` under `key`, replacing any value. */
  putSetting(key: string, value: string): Promise<void>
  /** Deletes `key`; nothing when absent. */
  deleteSetting(key: string): Promise<void>

  // ---- clients

  /** The client with this id, or null. */
  getClient(id: string): Promise<ClientRecord | null>
  /** The client with its secret's hash (null for a public client), for client authentication; or null. */
  getClientWithSecret(id: string): Promise<{ client: ClientRecord; secretHash: string | null } | null>
  /** Every client of `kind`, oldest first. */
  listClients(kind: ClientKind): Promise<ClientRecord[]>
  /** Creates a client. Throws `conflict` when the id is taken. Shares the durable commit of concurrent writes. */
  createClient(c: NewClient): Promise<ClientRecord>
  /** Conditional: applies `patch` to an existing client; false for an unknown id. */
  updateClient(id: string, patch: ClientPatch): Promise<boolean>
  /** Conditional: marks the client disabled at `at` unless it is disabled already; true when it did. */
  disableClient(id: string, at: number): Promise<boolean>

  // ---- consents

  /** The scope user `userId` has consented to for client `clientId`, or null when never asked. */
  getConsent(userId: string, clientId: string): Promise<string[] | null>
  /** Replaces the consent of a user to a client with `scope`. */
  saveConsent(userId: string, clientId: string, scope: string[], at: number): Promise<void>
  /** Forgets every consent given to client `clientId`. */
  forgetConsents(clientId: string): Promise<void>

  // ---- sign-ins and grants

  /** Creates a user sign-in. Throws when the user does not exist (a foreign key). */
  createUserSignIn(s: NewUserSignIn): Promise<UserSignInRecord>
  /** The user sign-in with this id, revoked or not; or null. */
  getUserSignIn(id: string): Promise<UserSignInRecord | null>
  /** Creates a client sign-in under a user sign-in. Throws when either parent row does not exist. */
  createClientSignIn(s: NewClientSignIn): Promise<ClientSignInRecord>
  /** The client sign-in with this id, revoked or not; or null. */
  getClientSignIn(id: string): Promise<ClientSignInRecord | null>
  /** Creates a grant under a client sign-in. Throws when the client sign-in does not exist. */
  createGrant(g: NewGrant): Promise<GrantRecord>
  /** The grant with this id, revoked or not; or null. */
  getGrant(id: string): Promise<GrantRecord | null>
  /** The grant with its client sign-in, user sign-in, client and user, read in one query; or null. */
  grantContext(grantId: string): Promise<GrantContext | null>

  // ---- tokens

  /** Creates a token with `used` 0, unrevoked. Throws when its grant (or parent) does not exist. */
  createToken(t: NewToken): Promise<TokenRecord>
  /** The token with this id, or null. */
  getToken(id: string): Promise<TokenRecord | null>
  /**
   * The token (by id or by value hash) with its grant, sign-ins, client and user, read in one query; or
   * null. Inactive tokens are found too.
   */
  tokenContext(by: { id: string } | { valueHash: string }): Promise<TokenContext | null>
  /** Every token of a grant, oldest first; [] for an unknown grant. */
  grantTokens(grantId: string): Promise<TokenRecord[]>
  /**
   * Conditional: uses token `id` once, atomically: counts a use only while the token is unrevoked and
   * under its max usage. True when a use was taken. Of concurrent calls on a token with one use left,
   * exactly one returns true.
   */
  useToken(id: string): Promise<boolean>
  /** True when the token `parentId` or any token above it is revoked (false for null). One query. */
  hasRevokedAncestor(parentId: string | null): Promise<boolean>
  /** Ids of the tokens minted directly from `tokenId` (only of class `cls` when given). */
  childTokenIds(tokenId: string, cls?: TokenClass): Promise<string[]>
  /** Ids of the tokens in the subtrees rooted at `rootIds`, roots included, each once. */
  tokenTreeIds(rootIds: readonly string[]): Promise<string[]>

  // ---- revocation (idempotent, atomic, never deletes)

  /** Marks the given tokens revoked (only them: descendants are inactive through their ancestor). */
  revokeTokens(ids: readonly string[]): Promise<void>
  /** Revokes the tokens rooted at `rootIds` and everything minted from them; returns every id revoked. */
  revokeTokenTrees(rootIds: readonly string[]): Promise<string[]>
  /** Revokes grants and all their tokens; returns the ids of the grants that exist among `ids`. */
  revokeGrants(ids: readonly string[]): Promise<string[]>
  /**
   * Revokes client sign-ins, their grants and their tokens. Returns the grants revoked; null when none of
   * the client sign-ins exists.
   */
  revokeClientSignIns(ids: readonly string[]): Promise<RevocationEvent | null>
  /** Revokes every client sign-in of client `clientId` (with grants and tokens); returns the grants. */
  revokeClientSignInsOf(clientId: string): Promise<RevocationEvent>
  /**
   * Revokes a user sign-in and, through it, every client sign-in, grant and token under it. Returns the
   * grants revoked; null for an unknown id.
   */
  revokeUserSignIn(id: string): Promise<RevocationEvent | null>
  /** The ids of user `userId`'s user sign-ins that are not revoked (expired ones included). */
  activeUserSignInIds(userId: string): Promise<string[]>
}
