/**
 * The frame and small parts shared by the pages an LMS administrator uses (`/lms-admin/`): the header
 * naming the LMS and who is signed in (with the sign-out form), the navigation between pages, the flash
 * message a form left, tables with headings, times on the LMS's clock, and the pages' paths. Everything
 * interpolated is escaped (`html`); callers pass HTML only through `raw` of what they built with `html`.
 */
import type { FastifyReply } from 'fastify'
import { CSRF_FIELD } from '../../../http/csrf.js'
import { dataTable } from '../../../http/data-table.js'
import { html, raw } from '../../../http/html.js'
import { lmsPage } from '../../lms-page.js'
import { LMS_ADMIN, type LmsAdmin } from '../admin-gate.js'

/** The Courses page. */
export const COURSES_PATH = `${LMS_ADMIN}courses/`
/** The Teachers page (and where a teacher is created). */
export const TEACHERS_PATH = `${LMS_ADMIN}teachers/`
/** The Sessions page. */
export const SESSIONS_PATH = `${LMS_ADMIN}sessions/`
/** The Audit page. */
export const AUDIT_PATH = `${LMS_ADMIN}audit/`
/** Where the sign-in routes sign the administrator out. */
export const SIGN_OUT_PATH = `${LMS_ADMIN}sign-out`

/** A lab's page; the id is percent-encoded (lab ids are the LMS's and may hold any character). */
export const labPath = (lab: string) => `${LMS_ADMIN}labs/${encodeURIComponent(lab)}/`

/** `path` with the given query parameters (empty or undefined ones left out). */
export function withQuery(path: string, params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v))
  const s = q.toString()
  return s ? `${path}?${s}` : path
}

import type { Flash } from '../../../http/console-forms.js'

export type { Flash }

/** The hidden field that carries a form's CSRF token. */
export const csrfField = (token: string) =>
  html`<input type="hidden" name="${CSRF_FIELD}" value="${token}" />`

/** A table with its column headings, rows, and the line said when there are none (`dataTable`). */
export const table = dataTable

/**
 * `ms` as `YYYY-MM-DD hh:mm` on the wall clock of `timeZone` (the LMS's), the same on every machine;
 * empty for none. A zone Intl does not know (the config reader refuses those) falls back to UTC.
 */
export function localTime(ms: number | null, timeZone: string): string {
  if (ms === null) return ''
  let parts: Intl.DateTimeFormatPart[]
  try {
    parts = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).formatToParts(ms)
  } catch {
    return new Date(ms).toISOString().replace('T', ' ').slice(0, 16)
  }
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]))
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`
}

/** A time limit in seconds for people: `no limit` for 0, else whole minutes. */
export const minutesText = (seconds: number) =>
  seconds === 0 ? 'no limit' : `${Math.round(seconds / 60)} min`

/** What every page shows around its content: who is signed in, and the CSRF token of the sign-out form. */
export interface ConsoleFrame {
  admin: LmsAdmin
  csrf: string
  flash?: Flash | null
}

const NAV = [
  [LMS_ADMIN, 'Overview'],
  [COURSES_PATH, 'Courses'],
  [TEACHERS_PATH, 'Teachers'],
  [SESSIONS_PATH, 'Sessions'],
  [AUDIT_PATH, 'Audit'],
] as const

/** The header of a signed-in page: the LMS, the administrator, the sign-out form and the navigation. */
export function consoleHeader(f: ConsoleFrame): string {
  const links = NAV.map(([href, label]) => html`<li><a href="${href}">${label}</a></li>`).join('')
  return html`<header>
      <p class="muted">
        LMS <strong>${f.admin.lms.name}</strong> · signed in as <strong>${f.admin.name}</strong>
      </p>
      <form class="inline" method="post" action="${SIGN_OUT_PATH}">
        ${raw(csrfField(f.csrf))}<button type="submit" class="secondary">Sign out</button>
      </form>
      <nav aria-label="Lab manager">
        <ul>
          ${raw(links)}
        </ul>
      </nav>
    </header>
    ${raw(
      f.flash
        ? html`<p class="${f.flash.kind === 'ok' ? 'notice' : 'error'}" role="status">${f.flash.text}</p>`
        : '',
    )}`
}

/**
 * Answers with a page of the console: `title`, then the header of `frame` (when signed in), then `body`;
 * never framed by another page (its forms act), never cached.
 */
export function consolePage(
  reply: FastifyReply,
  status: number,
  title: string,
  body: string,
  frame: ConsoleFrame | null,
): FastifyReply {
  return lmsPage(reply, status, title, (frame ? consoleHeader(frame) : '') + body, { framable: false })
}

/** An error page: the message, and the way back to the console's overview. */
export function consoleError(
  reply: FastifyReply,
  status: number,
  title: string,
  text: string,
  frame: ConsoleFrame | null = null,
): FastifyReply {
  return consolePage(
    reply,
    status,
    title,
    html`<p class="error" role="alert">${text}</p>
      <p><a href="${LMS_ADMIN}">Back to the overview</a></p>`,
    frame,
  )
}
