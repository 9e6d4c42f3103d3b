/**
 * The durable state of labgate's lab sessions, behind one interface (the grant/token model is
 * `AuthStore`'s). `KyselyStore` implements it for SQLite and PostgreSQL; every implementation passes
 * `test/conformance/store.suite.ts`. Methods that say "conditional" change nothing and return null when
 * their condition does not hold, so races resolve in the database.
 */
import type { PortalWorkshop } from '../config/types.js'
import type { SessionCounts } from '../domain/allocation.js'
import type { EnvironmentState, SessionState, UserKind } from '../domain/types.js'
import type { Environment, Session, User } from './rows.js'

export interface NewSession {
  environment: string
  portal: string
  workshop: string
  state: SessionState
  owner: string | null
  reserved: boolean
  viaApi: boolean
  createdAt: number
  allocatedAt: number | null
  startedAt: number | null
  expiresAt: number | null
  /** Cap on the session's life in seconds from activation; absent or 0 = none. */
  timeAllowed?: number
  secretNonce: string
  indexUrl: string | null
  analyticsUrl: string | null
  params: Record<string, string>
  backend: string
  /** The creating replica, whose backend will hold the sandbox (see `Session.replica`). */
  replica?: string | null
}

/** The filters of {@link Store.pageSessions}; absent fields do not filter. */
export interface SessionPageFilter {
  portal?: string
  states?: readonly SessionState[]
  environment?: string
  workshop?: string
  owner?: string
}

export interface AppEvent {
  at: number
  name: string
  userId?: string | null
  session?: string | null
  environment?: string | null
  workshop?: string | null
  data?: Record<string, unknown>
}

export interface Store {
  /** Runs `fn` in one transaction: all of its writes land or none do. Nested calls reuse the transaction. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>

  /**
   * Inside a transaction: holds the portal's allocation lock until the transaction ends, so a count
   * followed by an insert cannot interleave with another replica's. (SQLite serialises writers already.)
   */
  lockPortal(portal: string): Promise<void>

  getUser(id: string): Promise<User | null>
  getUserByUsername(username: string): Promise<User | null>
  /** The users of `ids` that exist, in no particular order; at most 1,000 ids (more throw). */
  getUsers(ids: readonly string[]): Promise<User[]>
  /** Creates a user with exactly the given id. Throws `conflict` if the id or username is taken. */
  createUser(u: {
    id: string
    kind: UserKind
    username?: string | null
    email?: string | null
    firstName?: string | null
    lastName?: string | null
    at: number
  }): Promise<User>
  /**
   * Users of `kinds` other than `excludeId` whose "first last" name, email or username contains `query`
   * (case-insensitive; `%` and `_` are plain characters; empty matches all), by id, at most `limit`.
   */
  searchUsers(
    query: string,
    opts: { excludeId: string; kinds: readonly UserKind[]; limit: number },
  ): Promise<User[]>
  /** Sets the details that are given (undefined leaves a field unchanged). Returns the user or null. */
  updateUserDetails(
    id: string,
    d: { email?: string; firstName?: string; lastName?: string },
    at: number,
  ): Promise<User | null>

  /**
   * Sets or clears the user's `disabled` flag (see `User.disabled`). Idempotent. Returns the user, or null
   * for an unknown id (nothing changed).
   */
  setUserDisabled(id: string, disabled: boolean, at: number): Promise<User | null>

  listEnvironments(filter?: { portal?: string; states?: EnvironmentState[] }): Promise<Environment[]>
  getEnvironment(name: string): Promise<Environment | null>
  /**
   * The settings of an environment, or null when there is none of that name. An environment's settings
   * never change after it is created and its name is never reused, so implementations may keep them in
   * memory (read outside a transaction, they are committed); the object is shared and frozen.
   */
  getEnvironmentSettings(name: string): Promise<PortalWorkshop | null>
  /** Creates an environment with the next never-used name `<portal>-wNN`. */
  createEnvironment(e: {
    portal: string
    workshop: string
    settings: PortalWorkshop
    state: EnvironmentState
    at: number
  }): Promise<Environment>
  setEnvironmentState(name: string, state: EnvironmentState, at: number): Promise<void>

  getSession(name: string): Promise<Session | null>
  /**
   * Sessions matching every filter given, oldest first. `replica`: those the replica holds, and those
   * older than replicas (`replica` null), which every replica may look after.
   */
  listSessions(filter?: {
    environment?: string
    owner?: string
    portal?: string
    states?: readonly SessionState[]
    replica?: string
  }): Promise<Session[]>
  /**
   * One page of the sessions matching every filter given, newest first (by creation time, then name), and
   * how many match in all. Two bounded queries, whatever the number of sessions; a `limit` below 1 gives
   * no sessions (the total still counts).
   */
  pageSessions(
    filter: SessionPageFilter,
    page: { limit: number; offset: number },
  ): Promise<{ sessions: Session[]; total: number }>
  /** Creates a session with the next never-used name `<environment>-sNNN`. */
  createSession(s: NewSession): Promise<Session>
  /**
   * Conditional: hands the oldest unallocated WAITING session of `environment` to `owner` in one
   * UPDATE. Returns it, or null when none is waiting. Two callers never get the same session.
   */
  takeReserve(environment: string, patch: Partial<Session> & { owner: string }): Promise<Session | null>
  /**
   * Conditional: applies `patch` if the session's state is one of `states` (any, when omitted) and, when
   * `version` is given, the row is still at that version (optimistic concurrency). Bumps the version.
   * A patch that changes the state obeys the transition table (`transitionSources`): without `states` it
   * applies only from a state the table lets enter the new one; `states` that name a state the table
   * forbids leaving for it throw `illegal_transition` and change nothing.
   */
  updateSession(
    name: string,
    patch: Partial<Session>,
    states?: readonly SessionState[],
    version?: number,
  ): Promise<Session | null>
  /** The user's newest session in the environment that holds capacity (not STOPPING/STOPPED), if any. */
  findHoldingSession(owner: string, environment: string): Promise<Session | null>
  /** The portal's sessions holding capacity, counted per environment and state. */
  countSessions(portal: string): Promise<SessionCounts>
  /**
   * Every session of the portal that has a row (ended ones too, until purged), counted by environment
   * and state in one grouped query; only the pairs that have sessions come back.
   */
  countSessionsByState(portal: string): Promise<{ environment: string; state: SessionState; count: number }[]>
  /** The user's sessions holding capacity across the portal. */
  countUserSessions(portal: string, owner: string): Promise<number>
  /** The oldest unallocated reserve (WAITING or STARTING) of the portal outside `exceptEnvironment`. */
  oldestReserve(portal: string, exceptEnvironment?: string): Promise<Session | null>
  /** Deletes STOPPED sessions stopped before `before` (see `purgeCutoff`); returns how many. */
  purgeStopped(before: number): Promise<number>

  appendEvent(e: AppEvent): Promise<void>
  listEvents(filter?: {
    session?: string
    name?: string
    limit?: number
  }): Promise<(AppEvent & { id: number })[]>
  /** Deletes events recorded before `before` (epoch ms); returns how many. */
  purgeEvents(before: number): Promise<number>

  getSetting(key: string): Promise<string | null>
  /** Stores `value` under `key` unless the key exists; returns the value now stored. */
  setSettingIfAbsent(key: string, value: string): Promise<string>
  setSetting(key: string, value: string): Promise<void>
}
