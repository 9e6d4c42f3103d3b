/**
 * The overview of an LMS administrator's pages (`/lms-admin/`): the LMS's labs as labgate's configuration
 * gives them (what each opens, the time allowed and the windows at the LMS's level, how many courses are
 * granted each), each linking to its page, and what the other pages are for.
 */
import type { LmsLab, LmsRegistration } from '../../../config/types.js'
import { describeWindows } from '../../../domain/lab-windows.js'
import { html, raw } from '../../../http/html.js'
import type { CourseGrantRecord } from '../../../store/lms-gateway-store.js'
import {
  AUDIT_PATH,
  COURSES_PATH,
  SESSIONS_PATH,
  TEACHERS_PATH,
  labPath,
  minutesText,
  table,
} from './console-layout.js'

/** What the overview shows. */
export interface OverviewInput {
  lms: LmsRegistration
  /** The LMS's course grants (of every lab). */
  grants: readonly CourseGrantRecord[]
}

/** What a lab opens: a workshop of this portal, or a laboratory of a remote lab system. */
export const labTarget = (lab: LmsLab) =>
  lab.workshop !== undefined
    ? `workshop ${lab.workshop}`
    : `remote lab ${lab.remote.laboratory} of ${lab.remote.system}`

/** How many courses a lab is granted to: the administrator's grants, and those of labgate's configuration. */
function grantCount(lab: LmsLab, grants: readonly CourseGrantRecord[]): string {
  const here = grants.filter((g) => g.lab === lab.id).length
  const configured = lab.courses?.length ?? 0
  if (here === 0 && configured === 0) return 'none (open to every course)'
  return configured === 0 ? String(here) : `${here} (and ${configured} in labgate's configuration)`
}

/** The overview's content. */
export function overviewBody(o: OverviewInput): string {
  const rows = o.lms.labs.map(
    (lab) =>
      html`<tr>
        <td><a href="${labPath(lab.id)}">${lab.id}</a></td>
        <td>${labTarget(lab)}</td>
        <td>${minutesText(lab.timeAllowed)}</td>
        <td>${describeWindows(lab.windows ?? [], o.lms.timeZone)}</td>
        <td>${grantCount(lab, o.grants)}</td>
      </tr>`,
  )
  return html`<section aria-labelledby="labs">
      <h2 id="labs">Labs</h2>
      <p>
        The labs labgate lets your LMS launch, with the limits labgate's administrators set for your LMS. A
        lab is open to every course of your LMS until you grant it to a course; from then on, only the courses
        you granted it to may launch it. Open a lab to grant it.
      </p>
      ${raw(
        table({
          columns: ['Lab', 'Opens', 'Time allowed', 'When it may be launched', 'Courses granted'],
          rows,
          empty: 'labgate lets your LMS launch no lab yet.',
        }),
      )}
    </section>
    <section aria-labelledby="more">
      <h2 id="more">More</h2>
      <ul>
        <li><a href="${COURSES_PATH}">Courses</a>: your LMS's courses, to grant labs to them.</li>
        <li>
          <a href="${TEACHERS_PATH}">Teachers</a>: teachers' accounts and their LTI keys, with which they add
          a lab to their own courses.
        </li>
        <li><a href="${SESSIONS_PATH}">Sessions</a>: your users' sessions now, and the launches waiting.</li>
        <li><a href="${AUDIT_PATH}">Audit</a>: everything your LMS and its administrators did here.</li>
      </ul>
    </section>`
}
