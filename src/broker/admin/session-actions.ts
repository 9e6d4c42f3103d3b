import { badRequest, notFound } from '../../domain/errors.js'
import { hasEnded } from '../../domain/session-states.js'
import type { Session } from '../../store/rows.js'
import { loadSession } from '../load-session.js'
import { extendSession, terminateSession } from '../session-ops.js'
import type { AdminDeps } from './admin-deps.js'
import { auditStaffAction } from './audit-action.js'

async function sessionNamed(a: AdminDeps, name: string): Promise<Session> {
  const s = await loadSession(a.broker, name)
  if (!s) throw notFound(`There is no session ${name} on this portal.`)
  return s
}

/**
 * Staff extend session `name` by its workshop's step, as the Educates `extend` endpoint does. Returns
 * the message to show. Throws `not_found` for an unknown session and `bad_request` when the rules refuse
 * (not running, not near expiry, past its deadline); either way the attempt is audited
 * (`admin.session.extend`, `ok` or `refused`).
 */
export async function extendAsStaff(a: AdminDeps, staffId: string, name: string): Promise<string> {
  const s = await sessionNamed(a, name)
  const r = s.state === 'RUNNING' ? await extendSession(a.broker, s) : null
  const audit = { kind: 'admin.session.extend' as const, staffId, lab: s.workshop, data: { session: s.name } }
  if (!r?.extended) {
    const reason =
      s.state !== 'RUNNING'
        ? `Session ${s.name} is ${s.state}: only a running session can be extended.`
        : `Session ${s.name} cannot be extended now: it is not near its expiry, or it has reached its deadline.`
    await auditStaffAction(a, { ...audit, outcome: 'refused', reason })
    throw badRequest(reason)
  }
  const expires = r.expires === null ? 'never' : new Date(r.expires).toISOString()
  await auditStaffAction(a, { ...audit, outcome: 'ok', data: { ...audit.data, expires } })
  return `Session ${s.name} extended: it now expires at ${expires}.`
}

/**
 * Staff terminate session `name` (it goes STOPPING, then STOPPED). Returns the message to show. Throws
 * `not_found` for an unknown session and `bad_request` for one that has ended already (audited as
 * `refused`); a termination is audited (`admin.session.terminate`, `ok`).
 */
export async function terminateAsStaff(a: AdminDeps, staffId: string, name: string): Promise<string> {
  const s = await sessionNamed(a, name)
  const audit = {
    kind: 'admin.session.terminate' as const,
    staffId,
    lab: s.workshop,
    data: { session: s.name },
  }
  if (hasEnded(s.state)) {
    const reason = `Session ${s.name} has ended already.`
    await auditStaffAction(a, { ...audit, outcome: 'refused', reason })
    throw badRequest(reason)
  }
  await terminateSession(a.broker, s)
  await auditStaffAction(a, { ...audit, outcome: 'ok', data: { ...audit.data, owner: s.owner } })
  return `Session ${s.name} is being terminated.`
}
