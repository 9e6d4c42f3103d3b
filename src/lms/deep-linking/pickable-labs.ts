/**
 * The labs a teacher may pick for a course: the LMS's registered labs that a launch from that course would
 * be allowed (`decideLmsLaunch`), titled by their workshop where the portal has one. Pure.
 */
import type { LmsRegistration, PortalWorkshop } from '../../config/types.js'
import { decideLmsLaunch } from '../../domain/lms-permissions.js'

/** A lab as the picker lists it. */
export interface PickableLab {
  id: string
  /** The workshop's title, or the lab's id when it has none here (a remote lab). */
  title: string
  /** Where it runs, for the teacher: `workshop <name>` or `<system> (remote)`. */
  where: string
}

/**
 * The labs of `lms` that a launch from `course` (none: null) may use, in registration order; titles come
 * from `workshops` (matched by alias, else name).
 */
export function pickableLabs(
  lms: LmsRegistration,
  workshops: readonly PortalWorkshop[],
  course: string | null,
): PickableLab[] {
  const contextIds = course === null ? [] : [course]
  return lms.labs
    .filter((lab) => decideLmsLaunch(lms, lab.id, contextIds).allowed)
    .map((lab) => {
      if (!('workshop' in lab) || lab.workshop === undefined)
        return { id: lab.id, title: lab.id, where: `${lab.remote.system} (remote)` }
      const w = workshops.find((x) => (x.alias ?? x.workshop.name) === lab.workshop)
      return { id: lab.id, title: w?.workshop.title || lab.id, where: `workshop ${lab.workshop}` }
    })
}
