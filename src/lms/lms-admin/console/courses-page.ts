/**
 * The Courses page (`/lms-admin/courses/?q=&start=`): the LMS's courses as its course service lists them
 * (gateway4labs' course discovery, `basicHttp.coursesUrl`), a search box, previous/next paging, and per
 * course a link to each lab's page with the course filled in. Without a course service, or when it does
 * not answer, the page says so: the administrator types a course's id on the lab's page instead.
 */
import type { LmsRegistration } from '../../../config/types.js'
import { html, raw } from '../../../http/html.js'
import type { CourseGrantRecord } from '../../../store/lms-gateway-store.js'
import type { CoursePage, CourseService } from '../../basic-http/course-discovery.js'
import { COURSES_PATH, labPath, table, withQuery } from './console-layout.js'

/** The page's search: the text to match and the first course's index. */
export interface CourseSearch {
  q: string
  start: number
}

/** What the course service answered: a page of courses, no service at all, or why it failed. */
export type CourseListing = { page: CoursePage } | { none: true } | { error: string }

/** What the Courses page shows. */
export interface CoursesInput {
  lms: LmsRegistration
  search: CourseSearch
  listing: CourseListing
  /** The LMS's grants, to say which labs each course has. */
  grants: readonly CourseGrantRecord[]
}

/** Reads `?q=&start=`: `q` trimmed (at most 200 characters), `start` a whole number (0 otherwise). */
export function readCourseSearch(query: Record<string, string>): CourseSearch {
  const start = /^\d{1,9}$/.test(query.start ?? '') ? Number(query.start) : 0
  return { q: (query.q ?? '').trim().slice(0, 200), start }
}

/** The LMS's course service, or null when its registration gives none. */
export function courseServiceOf(lms: LmsRegistration): CourseService | null {
  const b = lms.basicHttp
  if (!b?.coursesUrl) return null
  return { url: b.coursesUrl, username: b.coursesUsername ?? '', password: b.coursesPassword ?? '' }
}

/** The page's status: 502 when the course service failed, else 200. */
export const coursesStatus = (listing: CourseListing) => ('error' in listing ? 502 : 200)

const searchForm = (s: CourseSearch) =>
  html`<form method="get" action="${COURSES_PATH}" role="search">
    <label for="q">Search your LMS's courses by name</label>
    <input id="q" name="q" type="search" value="${s.q}" />
    <button type="submit">Search</button>
  </form>`

const labLinks = (lms: LmsRegistration) =>
  lms.labs.map((l) => html`<li><a href="${labPath(l.id)}">${l.id}</a></li>`).join('')

function coursesTable(o: CoursesInput, page: CoursePage): string {
  const granted = (course: string) =>
    o.grants
      .filter((g) => g.course === course)
      .map((g) => g.lab)
      .join(', ')
  const rows = page.courses.map((course) => {
    const links = o.lms.labs
      .map(
        (l) =>
          html`<a
            href="${withQuery(labPath(l.id), { course: course.id, name: course.name })}"
            aria-label="Grant lab ${l.id} to ${course.name || course.id}"
            >${l.id}</a
          >`,
      )
      .join(' · ')
    return html`<tr>
      <td>${course.id}</td>
      <td>${course.name}</td>
      <td>${granted(course.id) || 'none'}</td>
      <td>${raw(links)}</td>
    </tr>`
  })
  return table({
    columns: ['Course id', 'Name', 'Labs granted', 'Grant a lab'],
    rows,
    empty: o.search.q ? 'No course matches this search.' : 'Your LMS lists no course.',
  })
}

function pager(s: CourseSearch, page: CoursePage): string {
  if (page.perPage < 1) return ''
  const link = (start: number) => withQuery(COURSES_PATH, { q: s.q, start: start || undefined })
  const previous =
    s.start > 0 ? html`<a href="${link(Math.max(0, s.start - page.perPage))}" rel="prev">Previous</a>` : ''
  const next =
    s.start + page.perPage < page.number
      ? html`<a href="${link(s.start + page.perPage)}" rel="next">Next</a>`
      : ''
  const last = Math.min(page.number, s.start + page.courses.length)
  const status = page.number === 0 ? 'No course' : `Courses ${s.start + 1}–${last} of ${page.number}`
  return html`<nav class="pages" aria-label="Pages of courses">
    ${raw(previous)} <span>${status}</span> ${raw(next)}
  </nav>`
}

/** The Courses page's content. */
export function coursesBody(o: CoursesInput): string {
  const l = o.listing
  if ('none' in l)
    return html`<p>
        Your LMS's registration in labgate gives no course list (<code>basicHttp.coursesUrl</code>), so its
        courses cannot be listed here. To grant a lab to a course, open the lab and type the course's id (the
        id your LMS gives the course).
      </p>
      <ul>
        ${raw(labLinks(o.lms))}
      </ul>`
  if ('error' in l)
    return html`${raw(searchForm(o.search))}
      <p class="error" role="alert">Your LMS's course list could not be read: ${l.error}</p>
      <p>You can still grant a lab to a course by typing the course's id on the lab's page:</p>
      <ul>
        ${raw(labLinks(o.lms))}
      </ul>`
  return html`${raw(searchForm(o.search))} ${raw(coursesTable(o, l.page))} ${raw(pager(o.search, l.page))}`
}
