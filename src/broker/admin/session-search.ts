import { badRequest } from '../../domain/errors.js'
import { isSafeName } from '../../domain/index.js'
import { SESSION_STATES, VISIBLE } from '../../domain/session-states.js'
import type { SessionState } from '../../domain/types.js'
import type { Session } from '../../store/rows.js'
import type { BrokerDeps } from '../deps.js'
import { ownerNames } from './owner-names.js'

/** Sessions per page of the admin console's list. */
export const SESSIONS_PER_PAGE = 25

/** The filters of the admin console's session list; absent ones do not filter. */
export interface SessionSearch {
  /** One state, `live` (every state but STOPPED) or `all`; default `live`. */
  state: SessionState | 'live' | 'all'
  environment?: string
  workshop?: string
  /** A username or a user id: the owner's sessions. */
  user?: string
  /** 1-based. */
  page: number
}

const text = (v: unknown): string | undefined => {
  const s = Array.isArray(v) ? v[v.length - 1] : v
  return typeof s === 'string' && s.trim() !== '' ? s.trim() : undefined
}

/**
 * Reads the list's filters from a query string's values. Throws `bad_request` saying what to fix for an
 * unknown state, a malformed environment or workshop name, a user name over 200 characters, or a page
 * that is not a whole number from 1.
 */
export function parseSessionSearch(q: Record<string, unknown>): SessionSearch {
  const state = text(q.state) ?? 'live'
  if (state !== 'live' && state !== 'all' && !SESSION_STATES.includes(state as SessionState))
    throw badRequest(`state must be live, all or one of ${SESSION_STATES.join(', ')}`)
  const environment = text(q.environment)
  if (environment !== undefined && !isSafeName(environment))
    throw badRequest('environment must be an environment name such as lab-w01')
  const workshop = text(q.workshop)
  if (workshop !== undefined && !isSafeName(workshop)) throw badRequest('workshop must be a workshop name')
  const user = text(q.user)
  if (user !== undefined && user.length > 200) throw badRequest('user must be at most 200 characters')
  const pageText = text(q.page) ?? '1'
  const page = Number(pageText)
  if (!/^[0-9]{1,6}$/.test(pageText) || page < 1) throw badRequest('page must be a whole number from 1')
  return {
    state: state as SessionSearch['state'],
    page,
    ...(environment ? { environment } : {}),
    ...(workshop ? { workshop } : {}),
    ...(user ? { user } : {}),
  }
}

/** A page of the session list. */
export interface SessionPage {
  sessions: Session[]
  /** The names of the page's owners, by user id (see `ownerNames`). */
  owners: ReadonlyMap<string, string>
  total: number
  page: number
  pages: number
}

/**
 * The portal's sessions matching `search`, newest first, one page of {@link SESSIONS_PER_PAGE}, with
 * their owners' names: at most four bounded queries (the user's lookup by username, the page and its
 * count, the owners). A `user` that is no username is taken as a user id.
 */
export async function searchSessions(
  deps: Pick<BrokerDeps, 'store' | 'portal'>,
  search: SessionSearch,
): Promise<SessionPage> {
  const owner = search.user
    ? ((await deps.store.getUserByUsername(search.user))?.id ?? search.user)
    : undefined
  const states = search.state === 'all' ? undefined : search.state === 'live' ? VISIBLE : [search.state]
  const { sessions, total } = await deps.store.pageSessions(
    {
      portal: deps.portal.name,
      ...(states ? { states } : {}),
      ...(search.environment ? { environment: search.environment } : {}),
      ...(search.workshop ? { workshop: search.workshop } : {}),
      ...(owner ? { owner } : {}),
    },
    { limit: SESSIONS_PER_PAGE, offset: (search.page - 1) * SESSIONS_PER_PAGE },
  )
  return {
    sessions,
    owners: await ownerNames(
      deps.store,
      sessions.map((s) => s.owner),
    ),
    total,
    page: search.page,
    pages: Math.max(1, Math.ceil(total / SESSIONS_PER_PAGE)),
  }
}
