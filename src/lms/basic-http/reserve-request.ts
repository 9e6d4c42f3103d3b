/**
 * What an LMS asks on gateway4labs' basic-HTTP protocol, checked: the request JSON's fields
 * (`courses`, `request-payload`, `is-admin`, `user-id`, `full-name`, `user-agent`, `origin-ip`, `referer`)
 * and the action inside `request-payload`, a JSON string `{"action":"reserve","experiment":"<lab id>"}`.
 * Pure; never throws.
 */

/** A request to reserve a lab for a user. */
export interface ReserveRequest {
  action: 'reserve'
  /** The LMS's local identifier of the lab (`experiment`). */
  labId: string
  /** The LMS's id of the user (`user-id`). */
  userId: string
  /** The user's name as the LMS shows it (`full-name`), when given. */
  fullName: string | null
  /** The user's courses at the LMS (`courses`): context ids. */
  courses: string[]
  /** `is-admin`, recorded only: labgate grants no more to an LMS administrator. */
  isAdmin: boolean
  /** `user-agent`, `origin-ip`, `referer` as the LMS relayed them, for the audit. */
  client: { userAgent?: string; originIp?: string; referer?: string }
}

/** What {@link readReserveRequest} found: a reservation, an unsupported action, or a malformed request. */
export type ReadRequest =
  | { ok: true; request: ReserveRequest }
  /** An action other than `reserve`, named. */
  | { ok: false; unsupported: string }
  /** A request that is not one: what is wrong, in a sentence. */
  | { ok: false; malformed: string }

/** An identifier as LMSs send them: a string, or a whole number read as its digits. */
function identifier(v: unknown): string | null {
  if (typeof v === 'string' && v !== '') return v
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v)
  return null
}

const optionalText = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined)

/** Reads the request JSON `json` (see the module). */
export function readReserveRequest(json: Record<string, unknown>): ReadRequest {
  const payloadText = json['request-payload']
  if (typeof payloadText !== 'string')
    return { ok: false, malformed: 'request-payload must be a JSON string' }
  let payload: unknown
  try {
    payload = JSON.parse(payloadText)
  } catch {
    return { ok: false, malformed: 'request-payload is not valid JSON' }
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    return { ok: false, malformed: 'request-payload must be a JSON object {"action", "experiment"}' }
  const { action, experiment } = payload as Record<string, unknown>
  if (typeof action !== 'string' || action === '')
    return { ok: false, malformed: 'request-payload names no action' }
  if (action !== 'reserve') return { ok: false, unsupported: action }
  const labId = identifier(experiment)
  if (labId === null) return { ok: false, malformed: 'request-payload names no experiment (the lab id)' }
  const userId = identifier(json['user-id'])
  if (userId === null) return { ok: false, malformed: 'user-id is required (a string)' }
  const rawCourses = json.courses ?? []
  if (!Array.isArray(rawCourses)) return { ok: false, malformed: 'courses must be a list of course ids' }
  const courses: string[] = []
  for (const c of rawCourses) {
    const id = identifier(c)
    if (id === null) return { ok: false, malformed: 'courses must be a list of course ids (strings)' }
    courses.push(id)
  }
  const fullName = json['full-name']
  if (fullName !== undefined && fullName !== null && typeof fullName !== 'string')
    return { ok: false, malformed: 'full-name must be a string' }
  const isAdmin = json['is-admin']
  if (isAdmin !== undefined && isAdmin !== null && typeof isAdmin !== 'boolean')
    return { ok: false, malformed: 'is-admin must be true or false' }
  const userAgent = optionalText(json['user-agent'])
  const originIp = optionalText(json['origin-ip'])
  const referer = optionalText(json.referer)
  return {
    ok: true,
    request: {
      action: 'reserve',
      labId,
      userId,
      fullName: fullName ? fullName : null,
      courses,
      isAdmin: isAdmin === true,
      client: {
        ...(userAgent ? { userAgent } : {}),
        ...(originIp ? { originIp } : {}),
        ...(referer ? { referer } : {}),
      },
    },
  }
}

/** A full name split for the user record: the first word is the given name, the rest the family name. */
export function splitFullName(fullName: string | null): { givenName?: string; familyName?: string } {
  const words = (fullName ?? '').trim().split(/\s+/).filter(Boolean)
  if (words.length === 0) return {}
  const [given, ...rest] = words
  return { givenName: given!, ...(rest.length ? { familyName: rest.join(' ') } : {}) }
}
