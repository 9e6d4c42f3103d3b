/**
 * Mapping between the core tables' rows and the `Store` records. JSON columns are parsed here and nowhere
 * else; integers go through `Number` because PostgreSQL hands `bigint` columns back as strings.
 */
import type {
  SandboxHandle,
  SessionState,
  StopReason,
  UserKind,
  EnvironmentState,
} from '../../domain/types.js'
import type { Environment, Session, User } from '../rows.js'
import type { Selectable } from 'kysely'
import type { Db } from './db.js'
import type { EnvironmentsTable, SessionsTable, UsersTable } from './schema.js'

const num = (v: number | string | null): number | null => (v === null ? null : Number(v))

export function toUser(r: Omit<UsersTable, 'disabled'> & { disabled?: number }): User {
  return {
    id: r.id,
    username: r.username,
    kind: r.kind as UserKind,
    email: r.email,
    firstName: r.first_name,
    lastName: r.last_name,
    createdAt: Number(r.created_at),
    disabled: Number(r.disabled) === 1,
  }
}

export function toEnvironment(r: EnvironmentsTable, db: Db): Environment {
  return {
    name: r.name,
    portal: r.portal,
    workshop: r.workshop,
    state: r.state as EnvironmentState,
    settings: db.parseSettings(r.name, r.settings),
    definitionHash: r.definition_hash,
    createdAt: Number(r.created_at),
    stoppedAt: num(r.stopped_at),
  }
}

export function toSession(r: Selectable<SessionsTable>): Session {
  return {
    name: r.name,
    environment: r.environment,
    portal: r.portal,
    workshop: r.workshop,
    state: r.state as SessionState,
    owner: r.owner,
    reserved: Number(r.reserved) === 1,
    viaApi: Number(r.via_api) === 1,
    createdAt: Number(r.created_at),
    allocatedAt: num(r.allocated_at),
    activatedAt: num(r.activated_at),
    startedAt: num(r.started_at),
    expiresAt: num(r.expires_at),
    timeAllowed: Number(r.time_allowed),
    secretNonce: r.secret_nonce,
    indexUrl: r.index_url,
    analyticsUrl: r.analytics_url,
    params: JSON.parse(r.params) as Record<string, string>,
    handle: r.handle ? (JSON.parse(r.handle) as SandboxHandle) : null,
    backend: r.backend,
    replica: r.replica ?? null,
    lastActivityAt: num(r.last_activity_at),
    lastViewAt: num(r.last_view_at),
    stoppingAt: num(r.stopping_at),
    stoppedAt: num(r.stopped_at),
    stopReason: r.stop_reason as StopReason | null,
    version: Number(r.version),
  }
}

/** Maps a partial session update to column names. Only the fields given are written. */
export function sessionColumns(p: Partial<Session>): Partial<Selectable<SessionsTable>> {
  const c: Partial<Selectable<SessionsTable>> = {}
  if (p.state !== undefined) c.state = p.state
  if (p.owner !== undefined) c.owner = p.owner
  if (p.viaApi !== undefined) c.via_api = p.viaApi ? 1 : 0
  if (p.allocatedAt !== undefined) c.allocated_at = p.allocatedAt
  if (p.activatedAt !== undefined) c.activated_at = p.activatedAt
  if (p.startedAt !== undefined) c.started_at = p.startedAt
  if (p.expiresAt !== undefined) c.expires_at = p.expiresAt
  if (p.timeAllowed !== undefined) c.time_allowed = p.timeAllowed
  if (p.indexUrl !== undefined) c.index_url = p.indexUrl
  if (p.analyticsUrl !== undefined) c.analytics_url = p.analyticsUrl
  if (p.params !== undefined) c.params = JSON.stringify(p.params)
  if (p.handle !== undefined) c.handle = p.handle === null ? null : JSON.stringify(p.handle)
  if (p.lastActivityAt !== undefined) c.last_activity_at = p.lastActivityAt
  if (p.lastViewAt !== undefined) c.last_view_at = p.lastViewAt
  if (p.stoppingAt !== undefined) c.stopping_at = p.stoppingAt
  if (p.stoppedAt !== undefined) c.stopped_at = p.stoppedAt
  if (p.stopReason !== undefined) c.stop_reason = p.stopReason
  return c
}
