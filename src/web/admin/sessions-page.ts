import type { EnvironmentRow } from '../../broker/admin/environment-overview.js'
import type { SessionPage, SessionSearch } from '../../broker/admin/session-search.js'
import { SESSION_STATES } from '../../domain/session-states.js'
import { CSRF_FIELD } from '../../http/csrf.js'
import { html, raw } from '../../http/html.js'
import type { Session } from '../../store/rows.js'
import { withQuery } from './layout.js'

export const SESSIONS_PATH = '/admin/sessions/'

export interface SessionsPageInput {
  search: SessionSearch
  page: SessionPage
  environments: EnvironmentRow[]
  csrf: string
  /** This page's own URL (with its filters), where the forms return. */
  self: string
}

const when = (ms: number | null) =>
  ms === null ? '' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19)

const option = (value: string, label: string, selected: string | undefined) =>
  html`<option value="${value}" ${raw(value === (selected ?? '') ? 'selected' : '')}>${label}</option>`

function filters(o: SessionsPageInput): string {
  const s = o.search
  const states = [option('live', 'Live (not stopped)', s.state), option('all', 'All', s.state)]
    .concat(SESSION_STATES.map((st) => option(st, st, s.state)))
    .join('')
  const envs = [option('', 'Any', s.environment)]
    .concat(o.environments.map((e) => option(e.name, `${e.name} (${e.workshop})`, s.environment)))
    .join('')
  const workshops = [...new Set(o.environments.map((e) => e.workshop))]
  const ws = [option('', 'Any', s.workshop)].concat(workshops.map((w) => option(w, w, s.workshop))).join('')
  return html`<form
    class="filters"
    method="get"
    action="${SESSIONS_PATH}"
    role="search"
    aria-label="Filter sessions"
  >
    <label
      >State
      <select name="state">
        ${raw(states)}
      </select></label
    >
    <label
      >Environment
      <select name="environment">
        ${raw(envs)}
      </select></label
    >
    <label
      >Workshop
      <select name="workshop">
        ${raw(ws)}
      </select></label
    >
    <label>User <input name="user" value="${s.user ?? ''}" placeholder="username or id" /></label>
    <button type="submit">Filter</button>
    <a href="${SESSIONS_PATH}">Clear</a>
  </form>`
}

function row(s: Session, o: SessionsPageInput): string {
  const hidden = html`<input type="hidden" name="${CSRF_FIELD}" value="${o.csrf}" /><input
      type="hidden"
      name="back"
      value="${o.self}"
    />`
  const live = s.state !== 'STOPPED' && s.state !== 'STOPPING'
  const extend =
    s.state === 'RUNNING'
      ? html`<form class="inline" method="post" action="${SESSIONS_PATH}${s.name}/extend">
          ${raw(hidden)}<button type="submit" aria-label="Extend ${s.name}">Extend</button>
        </form>`
      : ''
  const terminate = live
    ? html`<form class="inline" method="post" action="${SESSIONS_PATH}${s.name}/terminate">
        ${raw(hidden)}<button type="submit" class="danger" aria-label="Terminate ${s.name}">Terminate</button>
      </form>`
    : ''
  const dashboard =
    live && s.owner
      ? html`<a href="/workshops/session/${s.name}/" aria-label="Open the dashboard of ${s.name}"
          >Dashboard</a
        >`
      : ''
  const actions = extend + terminate + dashboard
  return html`<tr data-session="${s.name}">
    <td>${s.name}</td>
    <td>${s.workshop}</td>
    <td class="state" data-state>${s.state}</td>
    <td>
      ${s.owner ? raw(html`<a href="${withQuery(SESSIONS_PATH, { user: s.owner, state: 'all' })}">${s.owner}</a>`) : raw('<span class="muted">reserve</span>')}
    </td>
    <td>${when(s.createdAt)}</td>
    <td>${when(s.expiresAt)}</td>
    <td>${raw(actions)}</td>
  </tr>`
}

function pager(o: SessionsPageInput): string {
  const { page, pages, total } = o.page
  const s = o.search
  const link = (p: number) =>
    withQuery(SESSIONS_PATH, {
      state: s.state === 'live' ? undefined : s.state,
      environment: s.environment,
      workshop: s.workshop,
      user: s.user,
      page: p,
    })
  return html`<nav class="pages" aria-label="Pages">
    ${raw(page > 1 ? html`<a href="${link(page - 1)}" rel="prev">Previous page</a>` : '')}
    <span>Page ${page} of ${pages} · ${total} session${total === 1 ? '' : 's'}</span>
    ${raw(page < pages ? html`<a href="${link(page + 1)}" rel="next">Next page</a>` : '')}
  </nav>`
}

/** The Sessions page's content: filters, the page of sessions with their actions, and paging links. */
export function sessionsBody(o: SessionsPageInput): string {
  const rows = o.page.sessions.map((s) => row(s, o)).join('')
  return html`${raw(filters(o))}
    <div id="live" data-live="sessions">
      <table>
        <thead>
          <tr>
            <th scope="col">Session</th>
            <th scope="col">Workshop</th>
            <th scope="col">State</th>
            <th scope="col">User</th>
            <th scope="col">Created (UTC)</th>
            <th scope="col">Expires (UTC)</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          ${raw(
            rows ||
              html`<tr>
                <td colspan="7">No session matches these filters.</td>
              </tr>`,
          )}
        </tbody>
      </table>
      ${raw(pager(o))}
    </div>`
}
