/**
 * The course context of an instructor's course page, kept server-side in the store's settings: which LMS
 * and course, the instructor it is for, the roster as the launch read it, and the launch itself (to open
 * the lab as the instructor). One entry per (LMS, course, instructor), replaced by each launch, so the
 * settings hold at most one per pair however often they launch. The page's URL names the entry by a hash
 * that carries no authority: every request checks the signed-in user against `instructor`.
 */
import { createHash } from 'node:crypto'
import type { SettingsStore } from '../../auth/key-ring.js'
import type { CourseGrantView } from '../../broker/policies.js'
import type { Lti13Launch } from '../lti13/claims.js'
import type { Member } from '../lti13/nrps.js'

/** How long a course page stays usable after its launch, ms. */
export const COURSE_TTL_MS = 3 * 3600_000

/** What a course page keeps; the lab's environments are looked up when an action is checked. */
export interface CourseContext extends Omit<CourseGrantView, 'environments'> {
  lms: string
  course: string | null
  courseTitle: string | null
  /** The lab the instructor's link names, or null. */
  lab: string | null
  members: Member[]
  /** Why the roster could not be read, or null. */
  rosterError: string | null
  launch: Lti13Launch
}

const PREFIX = 'lti13.course.'
const ID = /^[A-Za-z0-9_-]{32}$/

/** The id of the course context of `instructor` in `course` of `lms`. */
export function courseContextId(lms: string, course: string | null, instructor: string): string {
  return createHash('sha256')
    .update(`${lms}\n${course ?? ''}\n${instructor}`)
    .digest('base64url')
    .slice(0, 32)
}

/** Saves `c` under its id (replacing the previous one); returns the id. */
export async function saveCourseContext(store: SettingsStore, c: CourseContext): Promise<string> {
  const id = courseContextId(c.lms, c.course, c.instructor)
  await store.setSetting(PREFIX + id, JSON.stringify(c))
  return id
}

/** The course context `id` names, or null for a malformed or unknown id. Expiry is the caller's check. */
export async function loadCourseContext(store: SettingsStore, id: string): Promise<CourseContext | null> {
  if (!ID.test(id)) return null
  const text = await store.getSetting(PREFIX + id)
  if (!text) return null
  try {
    return JSON.parse(text) as CourseContext
  } catch {
    return null
  }
}
