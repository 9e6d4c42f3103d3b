import type { EmitInput } from './event-bus.js'

/** The fields of a lab session that every event about it carries. */
export interface EventSession {
  name: string
  owner: string | null
  environment: string
  workshop: string
  analyticsUrl: string | null
}

/**
 * The event `name` about lab session `s`: its owner as the user, its environment and workshop, and its own
 * analytics URL (the event is posted there beside the portal's global webhook), with `data` when given.
 */
export function sessionEvent(s: EventSession, name: string, data?: Record<string, unknown>): EmitInput {
  return {
    name,
    user: s.owner,
    session: s.name,
    environment: s.environment,
    workshop: s.workshop,
    analyticsUrl: s.analyticsUrl,
    ...(data ? { data } : {}),
  }
}
