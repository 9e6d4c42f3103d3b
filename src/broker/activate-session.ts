import { badRequest } from '../domain/errors.js'
import { ALLOCATED, activatedExpiry, hasEnded, isSafeName } from '../domain/index.js'
import { sessionEvent } from '../events/session-event.js'
import type { Environment, Session } from '../store/rows.js'
import type { BrokerDeps } from './deps.js'

export type ActivationResult =
  /** `alongside`: what the caller's work beside a new activation gave (see {@link Alongside}). */
  | { kind: 'activated'; session: Session; alongside?: unknown }
  /** The session has ended: the browser goes back to the index URL with `session-deleted`. */
  | { kind: 'ended'; session: Session }

/**
 * Work a caller does beside a new activation (given the session as it will be once activated), started
 * once the token has been checked and run
 * concurrently with the activation's transaction, so that its writes share the activation's commit (on
 * SQLite's group commit: one durable commit instead of two). Undone when the activation does not happen
 * after all (another one won), and never started for a session already activated or ended.
 */
export interface Alongside<T> {
  /** `env`: the session's environment, as the activation read it. */
  run(s: Session, env: Environment | null): Promise<T>
  undo(value: T): Promise<void>
}

/**
 * Activates a pending session with its single-use token: the session becomes the owner's, with the full
 * workshop duration from now, or its own `timeAllowed` when that is shorter. Visiting the URL again after activation is allowed only for a browser
 * already signed in as the owner (`currentUser`), which is sent to the dashboard. Throws bad_request for
 * an unknown session, a wrong or used token (checked before anything else, an ended session included), or
 * a window that has passed. An ended session with its genuine token is `ended`.
 */
export async function activateSession<T = never>(
  deps: BrokerDeps,
  name: string,
  token: string,
  currentUser: string | null,
  alongside?: Alongside<T>,
): Promise<ActivationResult & { alongside?: T }> {
  if (!isSafeName(name)) throw badRequest('Invalid session name')
  const s = await deps.store.getSession(name)
  if (!s || s.portal !== deps.portal.name || !s.owner) throw badRequest('Invalid session or activation token')
  // The token first: an ended session's answer (a redirect to its index URL) is for its own link only.
  if (!deps.secrets.checkActivationToken(s, token)) throw badRequest('Invalid session or activation token')
  if (hasEnded(s.state)) return { kind: 'ended', session: s }
  if (s.activatedAt !== null) {
    if (currentUser === s.owner) return { kind: 'activated', session: s }
    throw badRequest('This activation link has already been used')
  }
  const now = deps.clock.now()
  if (s.expiresAt !== null && s.expiresAt <= now)
    throw badRequest('The activation window of this session has passed')
  const env = await deps.store.getEnvironment(s.environment)
  // The activation and its audit event land in one commit. The row is read again inside the transaction:
  // the sandbox coming up (STARTING → RUNNING) between the read above and this update is no reason to
  // refuse; only another activation is. On PostgreSQL another commit may still slip in between that read
  // and the versioned update (read committed): the attempt then starts over, a few times at most.
  let publish = () => {}
  let activated: Session | null = null
  // Started in the same turn as the first attempt's transaction, so both join one group commit.
  const beside = alongside?.run(
    { ...s, activatedAt: now, expiresAt: activatedExpiry(now, env!.settings, s.timeAllowed) },
    env,
  )
  // Its failure is the caller's, reported after the activation settles (never left unhandled meanwhile).
  beside?.catch(() => {})
  for (let attempt = 0; attempt < 5; attempt++) {
    const outcome = await deps.store.transaction(async (tx) => {
      const current = await tx.getSession(s.name)
      if (!current || current.activatedAt !== null) return 'used' as const
      const row = await tx.updateSession(
        s.name,
        {
          activatedAt: now,
          startedAt: now,
          expiresAt: activatedExpiry(now, env!.settings, current.timeAllowed),
          lastActivityAt: now,
          lastViewAt: now,
        },
        ALLOCATED,
        current.version,
      )
      if (!row) return 'raced' as const
      publish = await deps.events.record(tx, sessionEvent(s, 'Session/Started'))
      return row
    })
    if (outcome === 'used') break
    if (outcome !== 'raced') {
      activated = outcome
      break
    }
  }
  if (!activated) {
    if (beside)
      await beside.then(
        (v) => alongside!.undo(v),
        () => {},
      )
    throw badRequest('This activation link has already been used')
  }
  publish()
  return { kind: 'activated', session: activated, ...(beside ? { alongside: await beside } : {}) }
}
