/**
 * The instructor's course page: the course's members (name, email, roles) and, for each learner, their
 * session of the lab (started, running, finished) with Extend and Terminate buttons (forms with the CSRF
 * token), and a button that opens the lab for the instructor. Without a CSRF token (inside the LMS's
 * iframe, where labgate's cookies may not come back) the page is read-only and offers a window of its own.
 */
import type { FastifyReply } from 'fastify'
import { CSRF_FIELD } from '../../http/csrf.js'
import { html, raw } from '../../http/html.js'
import type { PageAction } from '../../http/message-page.js'
import type { Member } from '../lti13/nrps.js'
import { lmsPage } from '../lms-page.js'
import type { CourseContext } from './course-context.js'

/** A learner's session as the page shows it. */
export interface SessionView {
  name: string
  /** `started` (allocated, not yet entered), `running` (entered) or `finished` (ended). */
  state: 'started' | 'running' | 'finished'
  expiresAt: number | null
}

export interface CourseView {
  ctx: CourseContext
  /** The page's URL path; its actions are below it. */
  base: string
  sessions: ReadonlyMap<string, SessionView>
  /** The CSRF token of the actions; null: read-only. */
  csrf: string | null
  notice: string | null
  openWindow?: PageAction
}

const roleNames = (roles: string[]) =>
  roles.map((r) => r.slice(Math.max(r.lastIndexOf('#'), r.lastIndexOf('/')) + 1)).join(', ')

/** Answers `reply` with the course page of `v`. */
export function coursePage(reply: FastifyReply, v: CourseView): FastifyReply {
  const { ctx } = v
  const csrf = v.csrf
  const action = (path: string, label: string, session: string, secondary = false) =>
    csrf === null
      ? ''
      : html`<form class="inline" method="post" action="${v.base}/${path}">
          <input type="hidden" name="${CSRF_FIELD}" value="${csrf}" />
          <input type="hidden" name="session" value="${session}" />
          <button type="submit" ${raw(secondary ? 'class="secondary"' : '')}>${label}</button>
        </form>`
  const sessionCell = (m: Member) => {
    if (m.role !== 'learner') return ''
    const s = v.sessions.get(m.userId)
    if (!s) return html`<span class="muted">not started</span>`
    const until = s.expiresAt && s.state !== 'finished' ? ` until ${new Date(s.expiresAt).toISOString()}` : ''
    return (
      html`<span data-session="${s.name}">${s.state}${until}</span> ` +
      (s.state === 'running' ? action('extend', 'Extend', s.name) : '') +
      (s.state !== 'finished' ? ' ' + action('terminate', 'Terminate', s.name, true) : '')
    )
  }
  const rows = ctx.members
    .map(
      (m) =>
        html`<tr>
          <td>${m.name ?? m.userId}</td>
          <td>${m.email ?? ''}</td>
          <td>${roleNames(m.roles)}</td>
          <td>${raw(sessionCell(m))}</td>
        </tr>`,
    )
    .join('')
  const roster = ctx.rosterError
    ? html`<p class="error" role="alert">The course's members could not be read: ${ctx.rosterError}.</p>`
    : html`<table>
        <caption class="muted">
          ${ctx.members.length} member(s)${ctx.lab ? `; sessions of lab ${ctx.lab}` : ''}
        </caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Roles</th>
            <th scope="col">Session</th>
          </tr>
        </thead>
        <tbody>
          ${raw(rows)}
        </tbody>
      </table>`
  const open =
    ctx.lab && csrf !== null
      ? html`<form method="post" action="${v.base}/open">
          <input type="hidden" name="${CSRF_FIELD}" value="${csrf}" />
          <button type="submit">Open the lab yourself</button>
        </form>`
      : ''
  const window = v.openWindow
    ? html`<p>
        <a class="button" href="${v.openWindow.href}" target="_blank" rel="noopener">${v.openWindow.label}</a>
      </p>`
    : ''
  const body =
    (v.notice ? html`<p class="notice" role="status">${v.notice}</p>` : '') + window + roster + open
  // With actions, the page is a window of its own: no other page may frame its buttons.
  return lmsPage(reply, 200, ctx.courseTitle ? `Course: ${ctx.courseTitle}` : 'Course', body, {
    framable: csrf === null,
  })
}
