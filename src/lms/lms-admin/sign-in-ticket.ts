/**
 * The one-time link that opens labgate's pages for an LMS to one of its administrators: the LMS asked
 * for it (`POST /labmanager/lms/admin/authenticate/`) and shows it to them. It names the LMS and the
 * administrator, expires after {@link SIGN_IN_TICKET_TTL_MS}, and carries a nonce the caller records
 * single-use. Sealed with the server key (`../sealed-value.ts`). Pure.
 */
import { seal, unseal } from '../sealed-value.js'

/** Where the link is used. */
export const LMS_ADMIN_ENTER_PATH = '/lms-admin/enter/'

/** How long the link may be used after the LMS got it, ms: the administrator follows it at once. */
export const SIGN_IN_TICKET_TTL_MS = 2 * 60_000

/** What the link grants. */
export interface SignInTicket {
  lms: string
  /** The administrator's name as the LMS gave it (`full-name`). */
  name: string
  expiresAt: number
  nonce: string
}

const PURPOSE = 'labgate lms admin sign-in v1'

/** The ticket's URL-safe text. */
export const sealSignInTicket = (serverKey: Uint8Array, t: SignInTicket): string =>
  seal(serverKey, PURPOSE, [t.lms, t.name, t.expiresAt, t.nonce])

/** The ticket of `text` when sealed with `serverKey` and not expired at `now`; null otherwise. */
export function openSignInTicket(serverKey: Uint8Array, text: string, now: number): SignInTicket | null {
  const v = unseal(serverKey, PURPOSE, text)
  if (!v || v.length !== 4) return null
  const [lms, name, expiresAt, nonce] = v
  if (
    typeof lms !== 'string' ||
    typeof name !== 'string' ||
    typeof expiresAt !== 'number' ||
    typeof nonce !== 'string' ||
    expiresAt <= now
  )
    return null
  return { lms, name, expiresAt, nonce }
}
