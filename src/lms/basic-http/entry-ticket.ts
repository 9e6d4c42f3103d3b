/**
 * A single-use link into a session that was activated before. A basic-HTTP answer is a URL the LMS shows
 * its user, who may load it in another browser than the first launch's; the session's activation URL is
 * used up by then, so the answer is instead `/labmanager/enter/?ticket=<ticket>`, which signs that
 * browser in as the session's owner. A ticket names the session, its owner and LMS, and its expiry, under
 * an HMAC-SHA256 of a key derived from the server key; the caller records its nonce single-use. Pure.
 */
import { seal, unseal } from '../sealed-value.js'

/** Where a ticket is redeemed. */
export const ENTER_PATH = '/labmanager/enter/'

/** How long a ticket may be redeemed after it was issued, ms: the user follows the link at once. */
export const TICKET_TTL_MS = 5 * 60_000

/** What a ticket grants. */
export interface EntryTicket {
  session: string
  userId: string
  lms: string
  /** Expiry, ms since the epoch. */
  expiresAt: number
  /** Random, unique per ticket: recorded once when redeemed. */
  nonce: string
}

const PURPOSE = 'labgate basic-http entry ticket v1'

/** The ticket's text (URL-safe) for `t`, sealed with `serverKey`. */
export function sealTicket(serverKey: Uint8Array, t: EntryTicket): string {
  return seal(serverKey, PURPOSE, [t.session, t.userId, t.lms, t.expiresAt, t.nonce])
}

/**
 * The ticket of `text` when it was sealed with `serverKey` (compared in constant time) and has not
 * expired at `now`; null for anything else. Never throws.
 */
export function openTicket(serverKey: Uint8Array, text: string, now: number): EntryTicket | null {
  const v = unseal(serverKey, PURPOSE, text)
  if (!v || v.length !== 5) return null
  const [session, userId, lms, expiresAt, nonce] = v
  if (
    typeof session !== 'string' ||
    typeof userId !== 'string' ||
    typeof lms !== 'string' ||
    typeof expiresAt !== 'number' ||
    typeof nonce !== 'string'
  )
    return null
  if (expiresAt <= now) return null
  return { session, userId, lms, expiresAt, nonce }
}
