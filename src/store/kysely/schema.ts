/**
 * Table types for Kysely. One schema for SQLite and PostgreSQL: times are integer milliseconds since the
 * epoch, booleans are 0/1 integers, JSON is text. Migrations in `migrations/` create exactly these tables.
 */
import type { Generated } from 'kysely'
import type { AuthTables } from './schema-auth.js'
import type { LmsTables } from './schema-lms.js'
import type { LmsGatewayTables } from './schema-lms-gateway.js'
import type { ReplicaTables } from './schema-replicas.js'
import type { WorkspaceTables } from './schema-workspaces.js'

export interface UsersTable {
  /** Kept exactly as a front end supplied it, or a random UUID. */
  id: string
  /** Sign-in name (robots, staff, registered users); null for anonymous users. */
  username: string | null
  kind: string
  email: string | null
  first_name: string | null
  last_name: string | null
  /** scrypt hash (`scrypt$N$r$p$salt$hash`), null when the user cannot sign in with a password. */
  password_hash: string | null
  /** 1 when staff disabled the user (migration 011): no sign-in, no tokens. */
  disabled: Generated<number>
  created_at: number
  updated_at: number
}

export interface EnvironmentsTable {
  name: string
  portal: string
  workshop: string
  state: string
  /** The resolved `PortalWorkshop` as JSON, as it was when the environment was created. */
  settings: string
  definition_hash: string
  created_at: number
  stopped_at: number | null
}

export interface SessionsTable {
  name: string
  environment: string
  portal: string
  workshop: string
  state: string
  /** User id; null while the session is an unallocated reserve. */
  owner: string | null
  /** 1 when the session was created as a reserve (WAITING before allocation). */
  reserved: number
  /** 1 when allocated through the REST API (only those can be reacquired with `session=`). */
  via_api: number
  created_at: number
  allocated_at: number | null
  activated_at: number | null
  /** Educates' `started`: activation time (or allocation time while pending). */
  started_at: number | null
  /** End of the activation window while pending; end of life once RUNNING; null = never. */
  expires_at: number | null
  /** The session's cap on its life in seconds from activation (an LMS lab's `timeAllowed`); 0 = none. */
  time_allowed: Generated<number>
  /** Random nonce behind the activation token and config password (both derived by HMAC, never stored). */
  secret_nonce: string
  index_url: string | null
  analytics_url: string | null
  /** Request parameters as JSON `{name: value}`. */
  params: string
  /** The backend's persisted `SandboxHandle` as JSON; null until the sandbox is started. */
  handle: string | null
  backend: string
  /** The replica whose backend holds the sandbox (`replicas.id`); null for sessions older than replicas. */
  replica: string | null
  last_activity_at: number | null
  last_view_at: number | null
  stopping_at: number | null
  stopped_at: number | null
  stop_reason: string | null
  /** Optimistic version, bumped by every write. */
  version: number
}

export interface EventsTable {
  id: Generated<number>
  at: number
  name: string
  user_id: string | null
  session: string | null
  environment: string | null
  workshop: string | null
  data: string
}

/** Monotonic counters (environment and session numbers) so names are never reused. */
export interface SequencesTable {
  name: string
  value: number
}

/** Small persistent settings: generated robot credentials, the portal uid, server secrets. */
export interface SettingsTable {
  key: string
  value: string
}

/** Live sessions per (portal, environment, state, owned), kept by triggers on `sessions` (migration 005). */
export interface LiveCountsTable {
  portal: string
  environment: string
  state: string
  /** 1 when the sessions counted have an owner. */
  owned: number
  n: number
}

export interface CoreTables {
  users: UsersTable
  environments: EnvironmentsTable
  sessions: SessionsTable
  events: EventsTable
  sequences: SequencesTable
  settings: SettingsTable
  live_counts: LiveCountsTable
}

export interface Database
  extends CoreTables, AuthTables, WorkspaceTables, LmsTables, LmsGatewayTables, ReplicaTables {}
