/**
 * A waiter's turn: each time its waiting page asks, the waiter is seen (it has not left), and when it is
 * first in the queue its launch is made again, as the protocol first gave it (so every check, windows
 * and permissions included, holds at the moment it is served). A place taken ends the wait as served;
 * a launch refused for another reason than a full lab ends it as gone, with the reason for the page.
 */
import type { LmsRegistration } from '../../config/types.js'
import type { BrokerDeps } from '../../broker/deps.js'
import { hasEnded } from '../../domain/session-states.js'
import type { AuditStore } from '../../store/audit-store.js'
import type { GradeStore } from '../../store/grade-store.js'
import type { LmsGatewayStore, WaiterRecord } from '../../store/lms-gateway-store.js'
import { entryUrl, landingUrl } from '../launch/landing-url.js'
import { launchLab } from '../launch/launch-lab.js'
import { launchFromJson } from './waiting-launch.js'
import { positionOf, recordWait as record } from './launch-queue.js'

/** What serving needs: what a launch needs, the LMSs, and the server key (entry links). */
export type ServeDeps = BrokerDeps & {
  audit: AuditStore
  gateway: LmsGatewayStore
  grades: GradeStore
  portalUrl: string
  key: Uint8Array
  registrations: readonly LmsRegistration[]
}

/** Where a wait stands, as its page is told. */
export type WaitStatus =
  | { state: 'waiting'; position: number; lab: string }
  | { state: 'served'; location: string }
  | { state: 'ended'; message: string }

const ENDED = 'This wait has ended: open the lab again from your course.'

/** Answers a waiting page's question for waiter `id` (unknown ids are `ended`). */
export async function serveWaiter(d: ServeDeps, id: string): Promise<WaitStatus> {
  const w = await d.gateway.getWaiter(id)
  if (!w) return { state: 'ended', message: ENDED }
  const lms = d.registrations.find((l) => l.name === w.lms)
  if (w.state === 'served') return servedAgain(d, w, lms)
  if (w.state === 'gone') return { state: 'ended', message: ENDED }
  const seen = await d.gateway.touchWaiter(w.id, d.clock.now())
  const launch = seen && lms ? launchFromJson(w.launch, lms) : null
  if (!seen || !launch) return end(d, w, 'the LMS or the launch is no longer known', ENDED)
  const position = await positionOf(d, seen)
  if (position !== 1) return { state: 'waiting', position: position ?? 1, lab: w.lab }
  const outcome = await launchLab(d, { ...launch, waiter: w.id })
  if (!outcome.ok && outcome.waiter) return { state: 'waiting', position: 1, lab: w.lab }
  if (!outcome.ok) return end(d, w, outcome.reason, outcome.reason)
  if (!(await d.gateway.settleWaiter(w.id, { state: 'served', session: outcome.session }, d.clock.now())))
    return { state: 'ended', message: ENDED }
  await record(d, w, 'ok', null, { step: 'served', session: outcome.session })
  return {
    state: 'served',
    location: landingUrl(outcome, { key: d.key, now: d.clock.now(), lms: w.lms, portalUrl: d.portalUrl }),
  }
}

/** A served waiter's page asking again (a reload): an entry link into its session while it lives. */
async function servedAgain(
  d: ServeDeps,
  w: WaiterRecord,
  lms: LmsRegistration | undefined,
): Promise<WaitStatus> {
  const s = w.session ? await d.store.getSession(w.session) : null
  if (!lms || !s || s.owner !== w.userId || hasEnded(s.state)) return { state: 'ended', message: ENDED }
  const location = entryUrl({
    key: d.key,
    now: d.clock.now(),
    lms: lms.name,
    portalUrl: d.portalUrl,
    session: s.name,
    userId: w.userId,
  })
  return { state: 'served', location }
}

async function end(d: ServeDeps, w: WaiterRecord, reason: string, message: string): Promise<WaitStatus> {
  if (await d.gateway.settleWaiter(w.id, { state: 'gone' }, d.clock.now()))
    await record(d, w, 'refused', reason, { step: 'ended' })
  return { state: 'ended', message }
}
