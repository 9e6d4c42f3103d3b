/**
 * Which labs an LMS may launch, from which of its courses, when, and for how long: gateway4labs'
 * permissions (LMS → lab, then lab → course), as pure functions of the registration, the launch's course ids
 * and the moment. A course's settings apply within its lab's: its windows are intersected with the lab's, its
 * limit capped by the lab's. Times are whole seconds; 0 means "no limit at this level".
 */
import type { AvailabilityWindow } from './availability.js'
import { formatOpening, isOpenAt, nextOpening } from './lab-windows.js'

/** A course allowed to launch a lab, with its own settings (`labs[].courses[]`, or saved by an LMS admin). */
export interface CourseGrant {
  /** The LMS's id of the course: LTI's `context.id`, one of gateway4labs' `courses`. */
  contextId: string
  /** The longest a session launched from this course may last, seconds; 0 = no limit of the course's own. */
  timeAllowed: number
  /** Who is served first among the courses of a launch (and when the lab is full): higher first; absent: 0. */
  priority?: number
  /** When this course may launch the lab, within the lab's own windows; absent or `[]`: whenever the lab may. */
  windows?: AvailabilityWindow[]
}

/** A lab an LMS may launch (`labs[]` of a registration), reduced to what the permission rule reads. */
export interface LabGrant {
  /** The identifier the LMS names the lab by (its `local_identifier`). */
  id: string
  /** The longest any session of this lab launched by this LMS may last, seconds; 0 = no limit. */
  timeAllowed: number
  /** Absent: any course (or none) may launch the lab. Present (never empty): only these courses may. */
  courses?: readonly CourseGrant[]
  /** When the lab may be launched by this LMS at all; absent or `[]`: any time. */
  windows?: AvailabilityWindow[]
}

/** The moment of a launch and the time zone its windows are read in (the LMS's `timeZone`). */
export interface LaunchClock {
  /** Epoch milliseconds. */
  now: number
  /** An IANA time zone (`Europe/Madrid`, `UTC`). */
  timeZone: string
}

/**
 * Why a launch is refused: the lab is not one of the LMS's, the launch's courses may not use it, or none
 * of them may use it at this moment (outside the windows).
 */
export type LaunchRefusal = 'unknown_lab' | 'course_not_allowed' | 'closed'

/** The answer of {@link decideLabLaunch}, {@link decideLmsLaunch} and {@link decideTeacherLaunch}. */
export type LaunchDecision =
  | {
      allowed: true
      /** The lab's id, as registered. */
      lab: string
      /** The course whose grant applies; absent when the lab lists no courses. */
      course?: string
      /**
       * The effective limit on the session's lifetime, seconds, 0 = none: the course's, capped by the lab's.
       * The caller caps the session's expiry with it (a limit of the workshop itself still applies).
       */
      timeAllowed: number
      /** The priority of the course whose grant applies; 0 when no course's grant does. */
      priority: number
    }
  | {
      allowed: false
      code: LaunchRefusal
      /** One sentence for the refusal page and the audit record, naming the lab and the courses. */
      reason: string
      /** With `closed`: the earliest moment the launch would be allowed (epoch ms), null when not within two years. */
      opensAt?: number | null
    }

/** The tighter of two limits where 0 means none. */
function tighter(a: number, b: number): number {
  if (a === 0) return b
  if (b === 0) return a
  return Math.min(a, b)
}

/** True when limit `a` lets a session last longer than `b` (0 = none, the longest). */
function longer(a: number, b: number): boolean {
  if (a === b) return false
  return a === 0 || (b !== 0 && a > b)
}

/**
 * The course grants of `lab`: `lab.courses` in order, each replaced by the grant of `extra` with the same
 * contextId, then the other grants of `extra` in their order (a repeated contextId: the later grant).
 */
function mergedGrants(lab: LabGrant, extra: readonly CourseGrant[]): CourseGrant[] {
  const merged = [...(lab.courses ?? [])]
  for (const grant of extra) {
    const i = merged.findIndex((g) => g.contextId === grant.contextId)
    if (i >= 0) merged[i] = grant
    else merged.push(grant)
  }
  return merged
}

/** The `closed` refusal of `lab` (for `from`, words that name the courses), opening again at `opensAt`. */
function closed(lab: LabGrant, opensAt: number | null, timeZone: string, from: string): LaunchDecision {
  const when =
    opensAt === null
      ? ' and does not open again within two years'
      : `; it opens ${formatOpening(opensAt, timeZone)}`
  return {
    allowed: false,
    code: 'closed',
    reason: `lab ${JSON.stringify(lab.id)} is closed now${from}${when}`,
    opensAt,
  }
}

/**
 * Decides a launch of `lab` at `at` from a launch whose course ids are `contextIds` (LTI gives one,
 * gateway4labs' basic-HTTP protocol a list; none is `[]`). The lab's course grants are `lab.courses` merged
 * with `extra` (grants an LMS admin saved: one replaces the `lab.courses` grant of its contextId).
 * - No grant at all and no `lab.courses`: any course, or none, may launch while the lab's windows are open,
 *   with the lab's `timeAllowed` and priority 0.
 * - Otherwise only a listed course (exact, case-sensitive match; none matching: `course_not_allowed`), and
 *   only while its windows and the lab's are both open (none of the matching courses open: `closed`, with
 *   `opensAt` the earliest opening among them). Of the open ones the best grant wins: the longest effective
 *   `timeAllowed` (the course's capped by the lab's; 0 = none, the longest), then the higher priority, then
 *   the first listed.
 * Pure; throws only a RangeError for a time zone Intl does not know (the config reader refuses those).
 */
export function decideLabLaunch(
  lab: LabGrant,
  contextIds: readonly string[],
  at: LaunchClock,
  extra: readonly CourseGrant[] = [],
): LaunchDecision {
  const grants = mergedGrants(lab, extra)
  const labWindows = lab.windows ?? []
  if (grants.length === 0 && lab.courses === undefined) return decideTeacherLaunch(lab, at)
  const matching = grants.filter((g) => contextIds.includes(g.contextId))
  if (matching.length === 0) {
    const from =
      contextIds.length === 0
        ? 'a launch that names no course'
        : `course ${contextIds.map((c) => JSON.stringify(c)).join(', ')}`
    return {
      allowed: false,
      code: 'course_not_allowed',
      reason: `lab ${JSON.stringify(lab.id)} may not be launched from ${from}; it is open to ${grants.length} listed course(s) only`,
    }
  }
  const labOpen = isOpenAt(labWindows, at.timeZone, at.now)
  let best: CourseGrant | undefined
  for (const grant of matching) {
    if (!labOpen || !isOpenAt(grant.windows ?? [], at.timeZone, at.now)) continue
    if (best === undefined || better(grant, best, lab.timeAllowed)) best = grant
  }
  if (best === undefined) {
    const openings = matching
      .map((g) => nextOpening([g.windows ?? [], labWindows], at.timeZone, at.now))
      .filter((t): t is number => t !== null)
    const names = matching.map((g) => JSON.stringify(g.contextId)).join(', ')
    const opensAt = openings.length === 0 ? null : Math.min(...openings)
    return closed(lab, opensAt, at.timeZone, ` for course ${names}`)
  }
  return {
    allowed: true,
    lab: lab.id,
    course: best.contextId,
    timeAllowed: tighter(best.timeAllowed, lab.timeAllowed),
    priority: best.priority ?? 0,
  }
}

/** True when grant `a` is better than `b` for a lab limited to `labTime`: longer, else higher priority. */
function better(a: CourseGrant, b: CourseGrant, labTime: number): boolean {
  const [ta, tb] = [tighter(a.timeAllowed, labTime), tighter(b.timeAllowed, labTime)]
  if (ta !== tb) return longer(ta, tb)
  return (a.priority ?? 0) > (b.priority ?? 0)
}

/**
 * Decides a launch of `lab` at `at` by a teacher's own key (gateway4labs' per-teacher LTI permission): no
 * course is checked; allowed while the lab's windows are open, with the lab's `timeAllowed` and priority 0,
 * else refused as `closed` with `opensAt`. Pure; throws only a RangeError for an unknown time zone.
 */
export function decideTeacherLaunch(lab: LabGrant, at: LaunchClock): LaunchDecision {
  const windows = lab.windows ?? []
  if (isOpenAt(windows, at.timeZone, at.now)) {
    return { allowed: true, lab: lab.id, timeAllowed: lab.timeAllowed, priority: 0 }
  }
  return closed(lab, nextOpening([windows], at.timeZone, at.now), at.timeZone, '')
}

/**
 * Decides a launch of the lab an LMS names `labId` from courses `contextIds` at `at`: refused with
 * `unknown_lab` when `labs` (the LMS's registration) has no lab of that id (exact match), else
 * {@link decideLabLaunch} with `extra` (the LMS admin's saved grants for that lab). `registration.name`
 * names the LMS in the reason. Pure; throws only a RangeError for an unknown time zone.
 */
export function decideLmsLaunch(
  registration: { name: string; labs: readonly LabGrant[] },
  labId: string,
  contextIds: readonly string[],
  at: LaunchClock,
  extra: readonly CourseGrant[] = [],
): LaunchDecision {
  const lab = registration.labs.find((l) => l.id === labId)
  if (lab === undefined) {
    return {
      allowed: false,
      code: 'unknown_lab',
      reason: `LMS ${JSON.stringify(registration.name)} has no permission to use lab ${JSON.stringify(labId)}, or no such lab exists`,
    }
  }
  return decideLabLaunch(lab, contextIds, at, extra)
}
