/**
 * Tables of the grant/token model (`src/auth/`), created by `migrations/002-auth.ts`. The tree is
 * user sign-in → client sign-in → grant → tokens (with lineage through `parent_id`); the tables
 * `auth_user_sessions` and `auth_client_sessions` keep their older names. Same conventions as
 * `schema.ts`: times are integer ms since the epoch, booleans 0/1, JSON as text, ids random text.
 */
import type { Generated } from 'kysely'

/** A client of labgate's authorization server: the Educates robot client, the portal's own session client, or a registered one. */
export interface OAuthClientsTable {
  id: string
  /** scrypt hash (`scrypt$N$r$p$salt$hash`) of the client secret; null for public clients. */
  secret_hash: string | null
  name: string
  /** `robot` | `session` | `registered`. */
  kind: string
  /** JSON array of RFC 6749 grant types the client may use, e.g. `["password","refresh_token"]`. */
  grant_types: string
  /** JSON array of scope values the client may ask for. */
  scopes: string
  /** JSON array of registered redirect URIs. */
  redirect_uris: string
  /** JSON `{[tokenClass]: UsageRule}` overriding the defaults and each grant's rules; null = none. */
  usage_rules: string | null
  created_at: number
  /** `public` | `pairwise` | `ephemeral`: the subject identifier its users get (migration 004). */
  subject_type: Generated<string>
  /** The sector of a pairwise client (its clients share pairwise subs); null = the client id. */
  sector_identifier: string | null
  /** When an admin disabled the client (its tokens are inactive from then on); null = enabled. */
  disabled_at: number | null
}

/** One authentication of a user (a user sign-in), shared by every client sign-in it starts. */
export interface AuthUserSessionsTable {
  id: string
  user_id: string
  /** JSON: how and when the user authenticated (`{method, at, ...}`). */
  authn_event: string
  created_at: number
  /** null = lives until revoked. */
  expires_at: number | null
  revoked: number
}

/** A user sign-in as seen by one client (a client sign-in). */
export interface AuthClientSessionsTable {
  id: string
  user_session_id: string
  client_id: string
  /** The subject identifier this client sees for the user. */
  sub: string
  /** `public` | `pairwise` | `ephemeral`; an ephemeral client sign-in gives each grant a new sub. */
  sub_type: Generated<string>
  created_at: number
  revoked: number
}

/** What a client sign-in was granted: scope, claims, resources, and the usage rules of its tokens. */
export interface AuthGrantsTable {
  id: string
  client_session_id: string
  /** Space-separated scope values (RFC 6749 §3.3). */
  scope: string
  /** JSON object of requested claims. */
  claims: string
  /** JSON array of resource indicators (RFC 8707). */
  resources: string
  sub: string
  /** JSON `{[tokenClass]: UsageRule}` overriding the defaults for tokens of this grant. */
  usage_rules: string
  created_at: number
  /** null = lives until revoked. */
  expires_at: number | null
  revoked: number
}

/** Every token labgate issues. Only a hash of the value is stored. */
export interface AuthTokensTable {
  id: string
  grant_id: string
  /** `authorization_code` | `access_token` | `refresh_token` | `id_token`. */
  class: string
  /** The token this one was minted from; null when minted directly from the grant. */
  parent_id: string | null
  /** sha256 hex of the token value. */
  value_hash: string
  /** Effective space-separated scope, resolved at mint time (explicit, else parent's, else grant's). */
  scope: string
  /** Effective JSON array of resources, resolved like `scope`. */
  resources: string
  /** How many times the token has been used (a code redeemed, a refresh token rotated). */
  used: number
  /** null = unlimited. */
  max_usage: number | null
  created_at: number
  /** null = lives as long as its grant. */
  expires_at: number | null
  revoked: number
}

/** The scope a user has consented to for a client (remembered, so the consent page is shown once). */
export interface OAuthConsentsTable {
  user_id: string
  client_id: string
  /** Space-separated scope values consented to so far. */
  scope: string
  updated_at: number
}

export interface AuthTables {
  oauth_clients: OAuthClientsTable
  auth_user_sessions: AuthUserSessionsTable
  auth_client_sessions: AuthClientSessionsTable
  auth_grants: AuthGrantsTable
  auth_tokens: AuthTokensTable
  oauth_consents: OAuthConsentsTable
}
