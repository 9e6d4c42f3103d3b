/**
 * An LMS administrator grants their LMS's labs to the LMS's courses, with the course's settings (time
 * allowed, priority, availability windows), and revokes them. A lab is one of the LMS's (its
 * registration's `labs`); the settings are checked before anything is written; every change is audited.
 */
import { badRequest, notFound } from '../../domain/errors.js'
import { parseWindows, WindowError } from '../../domain/lab-windows.js'
import { readWindowText, WindowTextError } from '../../domain/window-text.js'
import type { CourseGrantRecord, CourseSettings } from '../../store/lms-gateway-store.js'
import { auditAdmin, type LmsAdminContext } from './admin-context.js'

/** A grant as a form sends it (all text). */
export interface GrantForm {
  lab?: string
  course?: string
  courseName?: string
  /** Minutes, a whole number; empty or 0: no limit of the course's own. */
  minutes?: string
  /** 0–1000; empty: 0. */
  priority?: string
  /** Windows, one per line (`window-text.ts`); empty: always. */
  windows?: string
}

/** The highest priority a course may have. */
export const MAX_PRIORITY = 1000
const MAX_ID = 200

const wholeNumber = (v: string | undefined, what: string, max: number): number => {
  const t = (v ?? '').trim()
  if (t === '') return 0
  if (!/^\d+$/.test(t) || Number(t) > max) throw badRequest(`${what} must be a whole number from 0 to ${max}`)
  return Number(t)
}

/** The lab `id` of the administrator's LMS; not_found naming the LMS's labs otherwise. */
export function labOf(c: LmsAdminContext, id: string | undefined) {
  const lab = c.lms.labs.find((l) => l.id === id)
  if (!lab)
    throw notFound(
      `LMS ${c.lms.name} has no lab ${JSON.stringify(id ?? '')} (its labs: ${c.lms.labs.map((l) => l.id).join(', ') || 'none'})`,
    )
  return lab
}

/** Reads a grant form; bad_request naming the field to fix. */
export function readGrantForm(
  c: LmsAdminContext,
  f: GrantForm,
): { lab: string; course: string; courseName: string; settings: CourseSettings } {
  const lab = labOf(c, f.lab).id
  const course = (f.course ?? '').trim()
  if (!course || course.length > MAX_ID)
    throw badRequest(`the course id is required (at most ${MAX_ID} characters): the LMS's id of the course`)
  let windows
  try {
    windows = parseWindows(readWindowText(f.windows ?? ''), 'windows')
  } catch (e) {
    if (e instanceof WindowTextError || e instanceof WindowError) throw badRequest(e.message)
    throw e
  }
  return {
    lab,
    course,
    courseName: (f.courseName ?? '').trim().slice(0, MAX_ID),
    settings: {
      timeAllowed: wholeNumber(f.minutes, 'the time allowed (minutes)', 100_000) * 60,
      priority: wholeNumber(f.priority, 'the priority', MAX_PRIORITY),
      windows,
    },
  }
}

/** Grants (or re-grants with new settings) a lab to a course; returns the stored grant. */
export async function grantCourse(c: LmsAdminContext, f: GrantForm): Promise<CourseGrantRecord> {
  const g = readGrantForm(c, f)
  const saved = await c.gateway.putCourseGrant({
    lms: c.lms.name,
    ...g,
    by: c.by,
    at: c.clock.now(),
  })
  await auditAdmin(c, 'lms_admin.course.grant', {
    course: g.course,
    lab: g.lab,
    data: { settings: g.settings, courseName: g.courseName },
  })
  return saved
}

/** Revokes a lab's grant to a course; not_found when there is none. */
export async function revokeCourse(c: LmsAdminContext, lab: string, course: string): Promise<void> {
  labOf(c, lab)
  if (!(await c.gateway.deleteCourseGrant(c.lms.name, lab, course)))
    throw notFound(`lab ${lab} is not granted to course ${JSON.stringify(course)}`)
  await auditAdmin(c, 'lms_admin.course.revoke', { course, lab, data: {} })
}
