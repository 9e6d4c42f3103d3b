/**
 * A lab's page (`/lms-admin/labs/<lab>/`): what the lab opens and its limits at the LMS's level, who may
 * launch it, the courses it is granted to (each with its settings, an edit link and a revoke form), and
 * the grant form, filled in from `?course=&name=` (the Courses page's links) or from the course's existing
 * grant. The windows are written and shown in the LMS's time zone.
 */
import type { LmsLab, LmsRegistration } from '../../../config/types.js'
import { describeWindows } from '../../../domain/lab-windows.js'
import { writeWindowText } from '../../../domain/window-text.js'
import { html, raw } from '../../../http/html.js'
import type { CourseGrantRecord } from '../../../store/lms-gateway-store.js'
import { MAX_PRIORITY } from '../course-grants.js'
import { csrfField, labPath, localTime, minutesText, table, withQuery } from './console-layout.js'
import { labTarget } from './overview-page.js'

/** The grant form's fields, as text. */
export interface GrantFormValues {
  course: string
  courseName: string
  minutes: string
  priority: string
  windows: string
}

/** What a lab's page shows. */
export interface LabPageInput {
  lms: LmsRegistration
  lab: LmsLab
  /** The lab's grants. */
  grants: readonly CourseGrantRecord[]
  form: GrantFormValues
  csrf: string
}

/** Where the grant form posts. */
export const grantPath = (lab: string) => `${labPath(lab)}grant`
/** Where a revoke form posts. */
export const revokePath = (lab: string) => `${labPath(lab)}revoke`

/**
 * The grant form's values for `?course=&name=`: the course's existing grant when it has one (its name
 * taken from `name` when it kept none), else the course and name given with empty settings.
 */
export function grantFormValues(
  grants: readonly CourseGrantRecord[],
  query: Record<string, string>,
): GrantFormValues {
  const course = (query.course ?? '').trim()
  const name = (query.name ?? '').trim()
  const g = course ? grants.find((x) => x.course === course) : undefined
  if (!g) return { course, courseName: name, minutes: '', priority: '', windows: '' }
  return {
    course,
    courseName: g.courseName || name,
    minutes: g.settings.timeAllowed === 0 ? '' : String(Math.round(g.settings.timeAllowed / 60)),
    priority: String(g.settings.priority),
    windows: writeWindowText(g.settings.windows),
  }
}

/**
 * Who may launch the lab: every course until it is granted to one, then the granted ones only; a lab whose
 * configuration lists courses of its own is never open to every course.
 */
function whoMayLaunch(lab: LmsLab): string {
  const courses = lab.courses ?? []
  if (courses.length === 0)
    return html`<p>
      A lab is open to every course of your LMS until you grant it to a course; from then on, only the courses
      you granted it to may launch it, each within its own settings. Revoking the last grant opens it to every
      course again.
    </p>`
  return html`<p>
    labgate's configuration grants this lab to ${courses.length} course(s) of its own:
    ${courses.map((c) => c.contextId).join(', ')}. Only those and the courses you grant it to here may launch
    it, each within its own settings; granting one of the configured courses here replaces its settings.
  </p>`
}

function grantRow(o: LabPageInput, g: CourseGrantRecord): string {
  return html`<tr>
    <td>${g.course}</td>
    <td>${g.courseName}</td>
    <td>${minutesText(g.settings.timeAllowed)}</td>
    <td>${g.settings.priority}</td>
    <td>${describeWindows(g.settings.windows, o.lms.timeZone)}</td>
    <td>${g.by}</td>
    <td>${localTime(g.updatedAt, o.lms.timeZone)}</td>
    <td>
      <a
        href="${withQuery(labPath(o.lab.id), { course: g.course })}"
        aria-label="Edit the grant to ${g.course}"
        >Edit</a
      >
      <form class="inline" method="post" action="${revokePath(o.lab.id)}">
        ${raw(csrfField(o.csrf))}
        <input type="hidden" name="course" value="${g.course}" />
        <button type="submit" class="secondary" aria-label="Revoke the grant to ${g.course}">Revoke</button>
      </form>
    </td>
  </tr>`
}

function grantForm(o: LabPageInput): string {
  const f = o.form
  return html`<form method="post" action="${grantPath(o.lab.id)}">
    ${raw(csrfField(o.csrf))}
    <fieldset>
      <legend>Grant this lab to a course</legend>
      <label for="course">Course id (your LMS's id of the course)</label>
      <input id="course" name="course" required maxlength="200" value="${f.course}" />
      <label for="courseName">Course name (to recognise it here)</label>
      <input id="courseName" name="courseName" maxlength="200" value="${f.courseName}" />
      <label for="minutes">Time allowed, minutes (empty: the lab's own limit)</label>
      <input id="minutes" name="minutes" inputmode="numeric" pattern="[0-9]*" value="${f.minutes}" />
      <label for="priority"
        >Priority, 0 to ${MAX_PRIORITY} (higher is served first when the lab is full)</label
      >
      <input id="priority" name="priority" inputmode="numeric" pattern="[0-9]*" value="${f.priority}" />
      <label for="windows">When the course may launch the lab (empty: whenever the lab may)</label>
      <textarea id="windows" name="windows" rows="4" cols="60" aria-describedby="windows-help">
${f.windows}</textarea>
      <p id="windows-help" class="muted">
        One window per line, open when all its parts hold, each part optional and in any order: dates
        <code>2026-12-01..2027-01-31</code> (or <code>2026-12-01..</code>, <code>..2027-01-31</code>, or one
        day), weekdays <code>Mon,Wed</code> or <code>Mon-Fri</code>, hours <code>09:00-11:00</code>. For
        example <code>2026-12-01..2027-01-31 Mon,Wed 09:00-11:00</code>. Dates and hours are in
        ${o.lms.timeZone}. The course may launch the lab only while one of its windows and the lab's own are
        open.
      </p>
      <button type="submit">Grant</button>
    </fieldset>
  </form>`
}

/** A lab's page content. */
export function labBody(o: LabPageInput): string {
  const tz = o.lms.timeZone
  return html`<p>
      Opens ${labTarget(o.lab)}; time allowed ${minutesText(o.lab.timeAllowed)}; may be launched
      ${describeWindows(o.lab.windows ?? [], tz)}.
    </p>
    ${raw(whoMayLaunch(o.lab))}
    <section aria-labelledby="grants">
      <h2 id="grants">Courses granted</h2>
      ${raw(
        table({
          columns: [
            'Course id',
            'Name',
            'Time allowed',
            'Priority',
            'When',
            'Granted by',
            `Updated (${tz})`,
            'Actions',
          ],
          rows: o.grants.map((g) => grantRow(o, g)),
          empty: 'You have granted this lab to no course.',
        }),
      )}
    </section>
    <section aria-labelledby="grant">
      <h2 id="grant">Grant</h2>
      <p class="muted">Granting a course that has a grant already replaces its settings.</p>
      ${raw(grantForm(o))}
    </section>`
}
