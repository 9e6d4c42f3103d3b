import { USERS_PER_SEARCH } from '../../broker/admin/user-admin.js'
import { CSRF_FIELD } from '../../http/csrf.js'
import { html, raw } from '../../http/html.js'
import type { User } from '../../store/rows.js'
import { dataTable } from '../../http/data-table.js'
import { filterForm } from './filter-form.js'
import { withQuery } from './layout.js'

export const USERS_PATH = '/admin/users/'

export interface UsersPageInput {
  query: string
  users: User[]
  csrf: string
  /** This page's URL with its search, where the forms return. */
  self: string
  /** The signed-in staff member: no self-demotion or self-disabling buttons. */
  staffId: string
}

/** The path of one user's action form (`staff` or `disable`). */
export const userActionPath = (id: string, action: 'staff' | 'disable') =>
  `${USERS_PATH}${encodeURIComponent(id)}/${action}`

function actionForm(
  o: UsersPageInput,
  u: User,
  action: 'staff' | 'disable',
  value: 'on' | 'off',
  label: string,
) {
  const who = u.username ?? u.id
  return html`<form class="inline" method="post" action="${userActionPath(u.id, action)}">
    <input type="hidden" name="${CSRF_FIELD}" value="${o.csrf}" />
    <input type="hidden" name="back" value="${o.self}" />
    <input type="hidden" name="value" value="${value}" />
    <button
      type="submit"
      ${raw(action === 'disable' && value === 'on' ? 'class="danger"' : '')}
      aria-label="${label} ${who}"
    >
      ${label}
    </button>
  </form>`
}

function row(o: UsersPageInput, u: User): string {
  const self = u.id === o.staffId
  const staffAction =
    u.kind === 'staff'
      ? self
        ? ''
        : actionForm(o, u, 'staff', 'off', 'Remove staff')
      : u.kind === 'registered'
        ? actionForm(o, u, 'staff', 'on', 'Make staff')
        : ''
  const disableAction = u.disabled
    ? actionForm(o, u, 'disable', 'off', 'Enable')
    : self
      ? html`<span class="muted">(you)</span>`
      : actionForm(o, u, 'disable', 'on', 'Disable')
  const name = [u.firstName, u.lastName].filter(Boolean).join(' ')
  return html`<tr data-user="${u.id}">
    <td>${u.username ?? ''} <span class="muted">${u.username ? '' : u.id}</span></td>
    <td>${name}</td>
    <td>${u.email ?? ''}</td>
    <td>${u.kind}</td>
    <td>${u.disabled ? 'disabled' : 'active'}</td>
    <td>${raw(staffAction)} ${raw(disableAction)}</td>
    <td><a href="${withQuery('/admin/sessions/', { user: u.id, state: 'all' })}">Sessions</a></td>
  </tr>`
}

const COLUMNS = ['Username', 'Name', 'Email', 'Kind', 'Status', 'Actions', 'Sessions']

/** The Users page's content: the search form and the matching users with their actions. */
export function usersBody(o: UsersPageInput): string {
  const more =
    o.users.length >= USERS_PER_SEARCH
      ? html`<p class="muted">
          The first ${USERS_PER_SEARCH} matches are shown: narrow the search to see others.
        </p>`
      : ''
  const search = filterForm({
    action: USERS_PATH,
    label: 'Search users',
    fields: [{ kind: 'text', name: 'q', label: 'Name, username or email', value: o.query }],
    submit: 'Search',
    clear: false,
  })
  const rows = o.users.map((u) => row(o, u))
  return html`${raw(search)}
  ${raw(dataTable({ columns: COLUMNS, rows, empty: 'No user matches this search.' }))} ${raw(more)}`
}
