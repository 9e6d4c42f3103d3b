/**
 * A single-use link into a session that was activated before. A basic-HTTP answer is a URL the LMS shows
 * its user, who may load it in another browser than the first launch's; the session's activation URL is
 * used up by then, so the answer is instead `/labmanager/enter/?ticket=<ticket>`, which signs that
 * browser in as the session's owner. A ticket names the session, its owner and LMS, and its expiry, under
 * an HMAC-SHA256 of a key derived from the server key; the caller records its nonce single-use. Pure.
 */
import { createHmac } from 'node:crypto'
import { constantTimeEqual } from '../../auth/secrets.js'

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

const macKey = (serverKey: Uint8Array) =>
  createHmac('sha256', serverKey).update('labgate basic-http entry ticket v1').digest()

const mac = (serverKey: Uint8Array, body: string) =>
  createHmac('sha256', macKey(serverKey)).update(body).digest()

/** The ticket's text (URL-safe) for `t`, sealed with `serverKey`. */
export function sealTicket(serverKey: Uint8Array, t: EntryTicket): string {
  const body = Buffer.from(JSON.stringify([t.session, t.userId, t.lms, t.expiresAt, t.nonce])).toString(
    'base64url',
  )
  return `${body}.${mac(serverKey, body).toString('base64url')}`
}

/**
 * The ticket of `text` when it was sealed with `serverKey` (compared in constant time) and has not
 * expired at `now`; null for anything else. Never throws.
 */
export function openTicket(serverKey: Uint8Array, text: string, now: number): EntryTicket | null {
  const [body, sig, ...rest] = text.split('.')
  if (!body || !sig || rest.length > 0) return null
  // Compared as canonical base64url text: a last character that differs only in its unused bits decodes
  // to the same bytes, and must not make a second valid spelling of one ticket.
  if (!constantTimeEqual(sig, mac(serverKey, body).toString('base64url'))) return null
  let v: unknown
  try {
    v = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'))
  } catch {
    return null
  }
  if (!Array.isArray(v) || v.length !== 5) return null
  const [session, userId, lms, expiresAt, nonce] = v as unknown[]
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
