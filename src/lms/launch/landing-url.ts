/**
 * The absolute URL a launch's learner is sent to when the answer is a URL rather than a redirect of their
 * own browser (gateway4labs' basic-HTTP answers, the waiting page): a remote lab system's `load_url` as it
 * is; a session not yet activated, its activation URL; a session activated before (its activation URL is
 * used up), a single-use entry link that signs the browser in (`basic-http/entry-ticket.ts`).
 */
import { randomBytes } from 'node:crypto'
import { ENTER_PATH, sealTicket, TICKET_TTL_MS } from '../basic-http/entry-ticket.js'
import type { LaunchOutcome } from './launch-lab.js'

/** Where the learner of a successful launch `outcome` of LMS `lms` lands. */
export function landingUrl(
  outcome: Extract<LaunchOutcome, { ok: true }>,
  o: { key: Uint8Array; now: number; lms: string; portalUrl: string },
): string {
  if (outcome.remote) return outcome.location
  if (!outcome.activated) return `${o.portalUrl}${outcome.location}`
  return entryUrl({ ...o, session: outcome.session, userId: outcome.userId })
}

/** A single-use link, valid a few minutes, that signs a browser in as `userId` to `session` and opens it. */
export function entryUrl(o: {
  key: Uint8Array
  now: number
  lms: string
  portalUrl: string
  session: string
  userId: string
}): string {
  const ticket = sealTicket(o.key, {
    session: o.session,
    userId: o.userId,
    lms: o.lms,
    expiresAt: o.now + TICKET_TTL_MS,
    nonce: randomBytes(16).toString('base64url'),
  })
  return `${o.portalUrl}${ENTER_PATH}?ticket=${ticket}`
}
