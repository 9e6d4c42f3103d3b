/**
 * The pick token of a Deep Linking picker: what binds the teacher's choice, posted from the picker page
 * inside the LMS's iframe (where cookies may not come back), to the deep-linking request labgate verified.
 * It carries the LMS, deployment, return URL and `data` of that request, the teacher and their course,
 * signed with a server key (HMAC-SHA256) and valid for an hour. It is `<payload>.<mac>`, both base64url;
 * its `jti` is for the caller to record once, so that a pick is answered once. Pure.
 */
import { createHmac } from 'node:crypto'
import { constantTimeEqual } from '../../auth/secrets.js'

/** How long a teacher may take to pick, ms. */
export const PICK_TTL_MS = 3600_000

/** What a pick token says. */
export interface Pick {
  /** The LMS's name in labgate. */
  lms: string
  deploymentId: string
  /** The deep-linking request's `deep_link_return_url`. */
  returnUrl: string
  /** Its `data`, echoed to the platform. */
  data: string | null
  acceptMultiple: boolean
  /** labgate's user id of the teacher (`<lms>:<sub>`). */
  userId: string
  /** The course the request came from, or null. */
  course: string | null
  /** A unique id (random): the token is used once. */
  jti: string
  /** When the token expires, ms. */
  exp: number
}

export type PickCheck =
  { ok: true; pick: Pick } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired'; detail: string }

const macOf = (key: Uint8Array, payload: string) =>
  createHmac('sha256', key).update(`labgate lti13 deep link pick\n${payload}`).digest('base64url')

/** The token of `pick`, signed with `key`. */
export function signPick(key: Uint8Array, pick: Pick): string {
  const payload = Buffer.from(JSON.stringify(pick)).toString('base64url')
  return `${payload}.${macOf(key, payload)}`
}

/**
 * The pick `token` carries, when it is well-formed, signed with `key` (compared in constant time) and not
 * expired at `now`. Never throws.
 */
export function readPick(key: Uint8Array, token: string, now: number): PickCheck {
  const parts = token.split('.')
  if (parts.length !== 2 || !parts[0] || !parts[1])
    return { ok: false, reason: 'malformed', detail: 'the pick token is not one labgate issued' }
  if (!constantTimeEqual(parts[1], macOf(key, parts[0])))
    return { ok: false, reason: 'bad_signature', detail: 'the pick token was changed or forged' }
  let pick: Pick
  try {
    pick = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as Pick
  } catch {
    return { ok: false, reason: 'malformed', detail: 'the pick token is not one labgate issued' }
  }
  if (typeof pick.exp !== 'number' || typeof pick.jti !== 'string' || typeof pick.lms !== 'string')
    return { ok: false, reason: 'malformed', detail: 'the pick token is not one labgate issued' }
  if (now >= pick.exp)
    return { ok: false, reason: 'expired', detail: 'the picker was open too long: start again from the LMS' }
  return { ok: true, pick }
}
