/**
 * Educates' JSON shapes. Datetimes are ISO 8601 with milliseconds and `Z`; durations are seconds.
 */
import type { CatalogEntry } from '../../broker/catalog.js'
import type { PortalDefinition } from '../../config/types.js'
import { scheduleOf } from '../../domain/index.js'
import { iso } from '../../http/present-schedule.js'
import type { Environment, Session } from '../../store/rows.js'
import type { z } from 'zod'
import type {
  CatalogSessionWire,
  EnvironmentWire,
  PortalWire,
  UserSessionWire,
  WorkshopWire,
} from './wire.js'

export interface PortalInfo {
  name: string
  uid: string
  generation: number
  url: string
}

export function presentPortal(
  p: PortalDefinition,
  info: PortalInfo,
  allocated: number,
): z.infer<typeof PortalWire> {
  return {
    name: p.name,
    labels: p.labels,
    uid: info.uid,
    generation: info.generation,
    url: info.url,
    sessions: { maximum: p.maximum, registered: p.registered, anonymous: p.anonymous, allocated },
  }
}

export function presentWorkshop(e: Environment): z.infer<typeof WorkshopWire> {
  const w = e.settings.workshop
  return {
    name: w.name,
    title: w.title,
    description: w.description,
    vendor: w.vendor,
    authors: w.authors,
    difficulty: w.difficulty,
    duration: w.duration ? `${w.duration}s` : '',
    tags: w.tags,
    labels: { ...w.labels, ...e.settings.labels },
    logo: w.logo,
    url: w.url,
  }
}

/** A session as listed in the catalog and environment status. */
export function presentCatalogSession(
  s: Session,
  e: Environment,
  now: number,
): z.infer<typeof CatalogSessionWire> {
  const v = scheduleOf(s, e.settings, now)
  return {
    name: s.name,
    state: s.state,
    namespace: s.name,
    user: s.owner,
    started: iso(v.started),
    expires: iso(v.expires),
    countdown: v.countdown,
    extendable: v.extendable,
  }
}

/** One catalog entry: `{name, state, workshop, duration, capacity, reserved, allocated, available, sessions?}`. */
export function presentEnvironment(
  c: CatalogEntry,
  withSessions: boolean,
  now: number,
): z.infer<typeof EnvironmentWire> {
  const e = c.environment
  const out: z.infer<typeof EnvironmentWire> = {
    name: e.name,
    state: e.state,
    workshop: presentWorkshop(e),
    duration: e.settings.expires,
    capacity: e.settings.capacity,
    reserved: e.settings.reserved,
    allocated: c.allocated,
    available: c.available,
  }
  if (withSessions) out.sessions = c.sessions.map((s) => presentCatalogSession(s, e, now))
  return out
}

/** A session in `GET /workshops/user/<user>/sessions/`. */
export function presentUserSession(s: Session, e: Environment, now: number): z.infer<typeof UserSessionWire> {
  const v = scheduleOf(s, e.settings, now)
  return {
    name: s.name,
    namespace: s.name,
    workshop: s.workshop,
    environment: s.environment,
    started: iso(v.started),
    expires: iso(v.expires),
    countdown: v.countdown,
    extendable: v.extendable,
  }
}
