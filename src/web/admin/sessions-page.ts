import type { EnvironmentRow } from '../../broker/admin/environment-overview.js'
import type { SessionPage, SessionSearch } from '../../broker/admin/session-search.js'
import { hasEnded, SESSION_STATES } from '../../domain/session-states.js'
import type { SessionState } from '../../domain/types.js'
import { CSRF_FIELD } from '../../http/csrf.js'
import { html, raw } from '../../http/html.js'
import type { Session } from '../../store/rows.js'
import { dataTable, utcTime } from '../../http/data-table.js'
import { filterForm } from './filter-form.js'
import { withQuery } from './layout.js'
import { pager } from './pager.js'

export const SESSIONS_PATH = '/admin/sessions/'

export interface SessionsPageInput {
  search: SessionSearch
  page: SessionPage
  environments: EnvironmentRow[]
  csrf: string
  /** This page's own URL (with its filters), where the forms return. */
  self: string
}

const any = ['', 'Any'] as const

const filters = (o: SessionsPageInput) => {
  const s = o.search
  return filterForm({
    action: SESSIONS_PATH,
    label: 'Filter sessions',
    fields: [
      {
        kind: 'select',
        name: 'state',
        label: 'State',
        options: [
          ['live', 'Live (not stopped)'],
          ['all', 'All'],
          ...SESSION_STATES.map((st) => [st, st] as const),
        ],
        selected: s.state,
      },
      {
        kind: 'select',
        name: 'environment',
        label: 'Environment',
        options: [any, ...o.environments.map((e) => [e.name, `${e.name} (${e.workshop})`] as const)],
        selected: s.environment,
      },
      {
        kind: 'select',
        name: 'workshop',
        label: 'Workshop',
        options: [any, ...[...new Set(o.environments.map((e) => e.workshop))].map((w) => [w, w] as const)],
        selected: s.workshop,
      },
      { kind: 'text', name: 'user', label: 'User', value: s.user, placeholder: 'username or id' },
    ],
  })
}

/**
 * A row's actions, each marked with the states it applies in (`data-states`) and hidden in the others,
 * so that the page's live module shows the right ones the moment a session's state changes.
 */
const ACTIONS_IN = {
  extend: ['RUNNING'],
  terminate: ['STARTING', 'WAITING', 'RUNNING'],
  dashboard: ['STARTING', 'RUNNING'],
} as const satisfies Record<string, readonly SessionState[]>

const shownIn = (states: readonly SessionState[], now: SessionState) =>
  raw(
    html`data-states="${states.join(' ')}" ${raw((states as readonly string[]).includes(now) ? '' : 'hidden')}`,
  )

function row(s: Session, o: SessionsPageInput): string {
  if (hasEnded(s.state)) return rowWith(s, o, '')
  const hidden = html`<input type="hidden" name="${CSRF_FIELD}" value="${o.csrf}" /><input
      type="hidden"
      name="back"
      value="${o.self}"
    />`
  const extend = html`<form
    class="inline"
    method="post"
    action="${SESSIONS_PATH}${s.name}/extend"
    ${shownIn(ACTIONS_IN.extend, s.state)}
  >
    ${raw(hidden)}<button type="submit" aria-label="Extend ${s.name}">Extend</button>
  </form>`
  const terminate = html`<form
    class="inline"
    method="post"
    action="${SESSIONS_PATH}${s.name}/terminate"
    ${shownIn(ACTIONS_IN.terminate, s.state)}
  >
    ${raw(hidden)}<button type="submit" class="danger" aria-label="Terminate ${s.name}">Terminate</button>
  </form>`
  const dashboard = s.owner
    ? html`<a
        href="/workshops/session/${s.name}/"
        aria-label="Open the dashboard of ${s.name}"
        ${shownIn(ACTIONS_IN.dashboard, s.state)}
        >Dashboard</a
      >`
    : ''
  return rowWith(s, o, extend + terminate + dashboard)
}

function rowWith(s: Session, o: SessionsPageInput, actions: string): string {
  const owner = s.owner
    ? html`<a href="${withQuery(SESSIONS_PATH, { user: s.owner, state: 'all' })}" title="${s.owner}"
        >${o.page.owners.get(s.owner) ?? s.owner}</a
      >`
    : '<span class="muted">reserve</span>'
  return html`<tr data-session="${s.name}">
    <td>${s.name}</td>
    <td>${s.workshop}</td>
    <td class="state" data-state>${s.state}</td>
    <td>${raw(owner)}</td>
    <td>${utcTime(s.createdAt)}</td>
    <td>${utcTime(s.expiresAt)}</td>
    <td>${raw(actions)}</td>
  </tr>`
}

function pages(o: SessionsPageInput): string {
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
  return pager({
    previous: page > 1 ? { href: link(page - 1), label: 'Previous page' } : null,
    status: `Page ${page} of ${pages} · ${total} session${total === 1 ? '' : 's'}`,
    next: page < pages ? { href: link(page + 1), label: 'Next page' } : null,
  })
}

const COLUMNS = ['Session', 'Workshop', 'State', 'User', 'Created (UTC)', 'Expires (UTC)', 'Actions']

/** The Sessions page's content: filters, the page of sessions with their actions, and paging links. */
export function sessionsBody(o: SessionsPageInput): string {
  const rows = o.page.sessions.map((s) => row(s, o))
  return html`${raw(filters(o))}
    <div id="live" data-live="sessions">
      ${raw(dataTable({ columns: COLUMNS, rows, empty: 'No session matches these filters.' }))}
      ${raw(pages(o))}
    </div>`
}
