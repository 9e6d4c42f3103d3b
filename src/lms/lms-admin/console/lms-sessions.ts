/**
 * What an LMS's administrator may see of labgate's sessions: those of the LMS's users only (owners are
 * `<lms>:<user id>`), and the LMS's launches waiting for a full lab.
 */
import type { LmsRegistration } from '../../../config/types.js'
import { VISIBLE } from '../../../domain/session-states.js'
import type { LmsGatewayStore, WaiterRecord } from '../../../store/lms-gateway-store.js'
import type { Session } from '../../../store/rows.js'
import type { Store } from '../../../store/store.js'

/** The LMS's sessions and waiting launches. */
export interface LmsSessions {
  /** The LMS's users' sessions that have not stopped, oldest first. */
  sessions: Session[]
  /** The LMS's launches still waiting, in the order they are served. */
  waiting: WaiterRecord[]
}

/**
 * The sessions of `lms`'s users that have not stopped (never another LMS's: the owner must start with
 * `<lms>:`), and its waiting launches. The store lists sessions by exact owner only, so the live ones
 * (a number bounded by the portal's capacity) are listed and filtered.
 */
export async function lmsSessions(
  d: { store: Pick<Store, 'listSessions'>; gateway: LmsGatewayStore },
  lms: LmsRegistration,
): Promise<LmsSessions> {
  const prefix = `${lms.name}:`
  const [all, waiting] = await Promise.all([
    d.store.listSessions({ states: VISIBLE }),
    d.gateway.listAllWaiting(lms.name),
  ])
  return {
    sessions: all.filter((s) => s.owner?.startsWith(prefix) === true),
    waiting: waiting.filter((w) => w.lms === lms.name),
  }
}
