/**
 * Which labs an LMS may launch, from which of its courses, and for how long: gateway4labs' permissions
 * (LMS → lab, then lab → course), as pure functions of the registration and the launch's course ids.
 * Times are whole seconds; 0 means "no limit at this level".
 */

/** A course allowed to launch a lab, with its own settings (`labs[].courses[]`). */
export interface CourseGrant {
  /** The LMS's id of the course: LTI's `context.id`, one of gateway4labs' `courses`. */
  contextId: string
  /** The longest a session launched from this course may last, seconds; 0 = no limit of the course's own. */
  timeAllowed: number
}

/** A lab an LMS may launch (`labs[]` of a registration), reduced to what the permission rule reads. */
export interface LabGrant {
  /** The identifier the LMS names the lab by (its `local_identifier`). */
  id: string
  /** The longest any session of this lab launched by this LMS may last, seconds; 0 = no limit. */
  timeAllowed: number
  /** Absent: any course (or none) may launch the lab. Present (never empty): only these courses may. */
  courses?: readonly CourseGrant[]
}

/** Why a launch is refused: the lab is not one of the LMS's, or the launch's courses may not use it. */
export type LaunchRefusal = 'unknown_lab' | 'course_not_allowed'

/** The answer of {@link decideLabLaunch} and {@link decideLmsLaunch}. */
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
    }
  | {
      allowed: false
      code: LaunchRefusal
      /** One sentence for the refusal page and the audit record, naming the lab and the courses. */
      reason: string
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
 * Decides a launch of `lab` from a launch whose course ids are `contextIds` (LTI gives one, gateway4labs'
 * basic-HTTP protocol a list; none is `[]`). A lab without `courses` is allowed from any course, or none,
 * with the lab's `timeAllowed`. A lab with `courses` is allowed only when one of `contextIds` is listed
 * (exact, case-sensitive match); when several are, the best grant wins, the one with the longest
 * `timeAllowed` (0 = none, the longest; the first listed on a tie), and its limit is capped by the lab's.
 * Pure; never throws.
 */
export function decideLabLaunch(lab: LabGrant, contextIds: readonly string[]): LaunchDecision {
  if (lab.courses === undefined) return { allowed: true, lab: lab.id, timeAllowed: lab.timeAllowed }
  let best: CourseGrant | undefined
  for (const grant of lab.courses) {
    if (!contextIds.includes(grant.contextId)) continue
    if (best === undefined || longer(grant.timeAllowed, best.timeAllowed)) best = grant
  }
  if (best === undefined) {
    const from =
      contextIds.length === 0
        ? 'a launch that names no course'
        : `course ${contextIds.map((c) => JSON.stringify(c)).join(', ')}`
    return {
      allowed: false,
      code: 'course_not_allowed',
      reason: `lab ${JSON.stringify(lab.id)} may not be launched from ${from}; it is open to ${lab.courses.length} listed course(s) only`,
    }
  }
  return {
    allowed: true,
    lab: lab.id,
    course: best.contextId,
    timeAllowed: tighter(best.timeAllowed, lab.timeAllowed),
  }
}

/**
 * Decides a launch of the lab an LMS names `labId` from courses `contextIds`: refused with `unknown_lab`
 * when `labs` (the LMS's registration) has no lab of that id (exact match), else {@link decideLabLaunch}.
 * `registration.name` names the LMS in the reason. Pure; never throws.
 */
export function decideLmsLaunch(
  registration: { name: string; labs: readonly LabGrant[] },
  labId: string,
  contextIds: readonly string[],
): LaunchDecision {
  const lab = registration.labs.find((l) => l.id === labId)
  if (lab === undefined) {
    return {
      allowed: false,
      code: 'unknown_lab',
      reason: `LMS ${JSON.stringify(registration.name)} has no permission to use lab ${JSON.stringify(labId)}, or no such lab exists`,
    }
  }
  return decideLabLaunch(lab, contextIds)
}
