/**
 * Domain views of stored rows: camelCase records the broker works with, and their mapping to and from
 * table rows. JSON columns are parsed here and nowhere else.
 */
import type { PortalWorkshop } from '../config/types.js'
import type { EnvironmentState, SandboxHandle, SessionState, StopReason, UserKind } from '../domain/types.js'
import type { EnvironmentsTable, SessionsTable, UsersTable } from './schema.js'

export interface User {
  id: string
  username: string | null
  kind: UserKind
  email: string | null
  firstName: string | null
  lastName: string | null
  createdAt: number
}

export interface Environment {
  name: string
  portal: string
  workshop: string
  state: EnvironmentState
  settings: PortalWorkshop
  definitionHash: string
  createdAt: number
  stoppedAt: number | null
}

export interface Session {
  name: string
  environment: string
  portal: string
  workshop: string
  state: SessionState
  owner: string | null
  reserved: boolean
  viaApi: boolean
  createdAt: number
  allocatedAt: number | null
  activatedAt: number | null
  startedAt: number | null
  expiresAt: number | null
  secretNonce: string
  indexUrl: string | null
  analyticsUrl: string | null
  params: Record<string, string>
  handle: SandboxHandle | null
  backend: string
  lastActivityAt: number | null
  lastViewAt: number | null
  stoppingAt: number | null
  stoppedAt: number | null
  stopReason: StopReason | null
  version: number
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v))

export function toUser(r: UsersTable): User {
  return {
    id: r.id,
    username: r.username,
    kind: r.kind as UserKind,
    email: r.email,
    firstName: r.first_name,
    lastName: r.last_name,
    createdAt: Number(r.created_at),
  }
}

/** Parsed settings by environment name, with the text they came from. */
const settingsCache = new Map<string, { text: string; settings: PortalWorkshop }>()
const SETTINGS_CACHE_MAX = 1000

/**
 * An environment's settings, parsed once: its settings text is written when it is created and never
 * changed, yet is read on every request. The text is compared on every hit, so a different text (another
 * database in the same process) is parsed anew. The result is deeply frozen, since it is shared.
 */
function parseSettings(name: string, text: string): PortalWorkshop {
  const hit = settingsCache.get(name)
  if (hit && hit.text === text) return hit.settings
  const settings = deepFreeze(JSON.parse(text) as PortalWorkshop)
  if (settingsCache.size >= SETTINGS_CACHE_MAX) settingsCache.clear()
  settingsCache.set(name, { text, settings })
  return settings
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v)
    for (const child of Object.values(v)) deepFreeze(child)
  }
  return v
}

export function toEnvironment(r: EnvironmentsTable): Environment {
  return {
    name: r.name,
    portal: r.portal,
    workshop: r.workshop,
    state: r.state as EnvironmentState,
    settings: parseSettings(r.name, r.settings),
    definitionHash: r.definition_hash,
    createdAt: Number(r.created_at),
    stoppedAt: num(r.stopped_at),
  }
}

export function toSession(r: SessionsTable): Session {
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
    secretNonce: r.secret_nonce,
    indexUrl: r.index_url,
    analyticsUrl: r.analytics_url,
    params: JSON.parse(r.params) as Record<string, string>,
    handle: r.handle ? (JSON.parse(r.handle) as SandboxHandle) : null,
    backend: r.backend,
    lastActivityAt: num(r.last_activity_at),
    lastViewAt: num(r.last_view_at),
    stoppingAt: num(r.stopping_at),
    stoppedAt: num(r.stopped_at),
    stopReason: r.stop_reason as StopReason | null,
    version: Number(r.version),
  }
}

/** Maps a partial session update to column names. Only the fields given are written. */
export function sessionColumns(p: Partial<Session>): Partial<SessionsTable> {
  const c: Partial<SessionsTable> = {}
  if (p.state !== undefined) c.state = p.state
  if (p.owner !== undefined) c.owner = p.owner
  if (p.viaApi !== undefined) c.via_api = p.viaApi ? 1 : 0
  if (p.allocatedAt !== undefined) c.allocated_at = p.allocatedAt
  if (p.activatedAt !== undefined) c.activated_at = p.activatedAt
  if (p.startedAt !== undefined) c.started_at = p.startedAt
  if (p.expiresAt !== undefined) c.expires_at = p.expiresAt
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
