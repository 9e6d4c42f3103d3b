/**
 * Reads a course's roster through Names and Role Provisioning Services 2.0: GET the launch's
 * `context_memberships_url` with a service token, following `Link: <…>; rel="next"` pages on the same
 * origin (the token is never sent elsewhere), up to a cap; a token the platform answers 401 to is renewed
 * once. Members come back as labgate reads them.
 */
import { launchRole, type LaunchRole } from './claims.js'

export const NRPS_MEDIA_TYPE = 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json'

/** A member of the course, as the course page shows them. */
export interface Member {
  /** The platform's user id: the `sub` of the member's launches. */
  userId: string
  name: string | null
  email: string | null
  /** The roles as sent, short names expanded to membership role URIs. */
  roles: string[]
  role: LaunchRole
}

/** Why a roster could not be read. The message never holds the token. */
export class RosterError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RosterError'
  }
}

export interface RosterDeps {
  /**
   * A bearer token for NRPS: called once per roster read, and once more with `fresh` (not the cached one)
   * when the platform answers 401 to it (revoked or expired early).
   */
  token: (fresh: boolean) => Promise<string>
  fetch?: typeof fetch
  /** At most this many pages are read (default 20); a longer roster is refused. */
  maxPages?: number
  timeoutMs?: number
}

const MAX_BODY_CHARS = 4 * 1024 * 1024
const MEMBERSHIP = 'http://purl.imsglobal.org/vocab/lis/v2/membership#'

/**
 * The active members of the roster at `url`. Throws {@link RosterError} when the token cannot be had,
 * the platform answers anything but 200 with a membership container, a next page leaves the origin, or
 * the roster has more than `maxPages` pages.
 */
export async function readRoster(url: string, deps: RosterDeps): Promise<Member[]> {
  const tokenOf = async (fresh: boolean) => {
    try {
      return await deps.token(fresh)
    } catch (e) {
      throw new RosterError(`no service token: ${(e as Error).message}`)
    }
  }
  let token = await tokenOf(false)
  let renewed = false
  const origin = new URL(url).origin
  const members: Member[] = []
  let next: string | null = url
  for (let page = 0; next !== null; page++) {
    if (page >= (deps.maxPages ?? 20)) throw new RosterError(`the roster has more than ${page} pages`)
    let res: Response
    let text: string
    try {
      res = await (deps.fetch ?? fetch)(next, {
        headers: { accept: NRPS_MEDIA_TYPE, authorization: `Bearer ${token}` },
        redirect: 'error',
        signal: AbortSignal.timeout(deps.timeoutMs ?? 10_000),
      })
      text = await res.text()
    } catch (e) {
      throw new RosterError(`the roster could not be read: ${(e as Error).message}`)
    }
    if (res.status === 401 && !renewed) {
      renewed = true
      token = await tokenOf(true)
      page--
      continue
    }
    if (res.status !== 200) throw new RosterError(`the roster service answered ${res.status}`)
    if (text.length > MAX_BODY_CHARS) throw new RosterError('the roster page is too large')
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      throw new RosterError('the roster service answered no JSON')
    }
    const list = (body as { members?: unknown } | null)?.members
    if (!Array.isArray(list)) throw new RosterError('the roster service answered no members')
    for (const m of list) {
      const member = readMember(m)
      if (member) members.push(member)
    }
    next = nextLink(res.headers.get('link'), next)
    if (next !== null && new URL(next).origin !== origin)
      throw new RosterError('the next roster page is on another origin')
  }
  return members
}

function readMember(m: unknown): Member | null {
  if (typeof m !== 'object' || m === null) return null
  const r = m as Record<string, unknown>
  const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : null)
  const userId = str(r.user_id)
  if (!userId || (r.status !== undefined && r.status !== 'Active')) return null
  const roles = (Array.isArray(r.roles) ? r.roles : [])
    .filter((x): x is string => typeof x === 'string')
    .map((x) => (x.includes(':') ? x : MEMBERSHIP + x))
  const full = [str(r.given_name), str(r.family_name)].filter(Boolean).join(' ')
  return { userId, name: str(r.name) ?? (full || null), email: str(r.email), roles, role: launchRole(roles) }
}

/** The `rel="next"` target of a `Link` header, resolved against `base`, or null. */
export function nextLink(header: string | null, base: string): string | null {
  if (!header) return null
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part)
    if (m && /;\s*rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?/i.test(m[2]!))
      return new URL(m[1]!, base).toString()
  }
  return null
}
