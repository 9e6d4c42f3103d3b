/**
 * The labs a teacher may pick for a course: the LMS's registered labs that a launch from that course would
 * be allowed (`decideLmsLaunch`), now or once their windows open, titled by their workshop where the portal
 * has one. Pure.
 */
import type { LmsRegistration, PortalWorkshop } from '../../config/types.js'
import { decideLmsLaunch, type LaunchDecision } from '../../domain/lms-permissions.js'

/** A lab as the picker lists it. */
export interface PickableLab {
  id: string
  /** The workshop's title, or the lab's id when it has none here (a remote lab). */
  title: string
  /** Where it runs, for the teacher: `workshop <name>` or `<system> (remote)`. */
  where: string
}

/**
 * True when `decision` lets a teacher link the lab: allowed, or refused only because it is closed at the
 * moment (a link outlives the moment; the launch itself is decided when it happens).
 */
export function mayLink(decision: LaunchDecision): boolean {
  return decision.allowed || decision.code === 'closed'
}

/**
 * The labs of `lms` that a launch from `course` (none: null) may use at `now` or once their windows open
 * ({@link mayLink}), in registration order; titles come from `workshops` (matched by alias, else name).
 */
export function pickableLabs(
  lms: LmsRegistration,
  workshops: readonly PortalWorkshop[],
  course: string | null,
  now: number,
): PickableLab[] {
  const contextIds = course === null ? [] : [course]
  const at = { now, timeZone: lms.timeZone }
  return lms.labs
    .filter((lab) => mayLink(decideLmsLaunch(lms, lab.id, contextIds, at)))
    .map((lab) => {
      if (!('workshop' in lab) || lab.workshop === undefined)
        return { id: lab.id, title: lab.id, where: `${lab.remote.system} (remote)` }
      const w = workshops.find((x) => (x.alias ?? x.workshop.name) === lab.workshop)
      return { id: lab.id, title: w?.workshop.title || lab.id, where: `workshop ${lab.workshop}` }
    })
}
