import type { AuditSearch } from '../../broker/admin/audit-search.js'
import { html, raw } from '../../http/html.js'
import { AUDIT_KINDS, type AuditRecord } from '../../store/audit-store.js'
import { withQuery } from './layout.js'

export const AUDIT_PATH = '/admin/audit/'
export const AUDIT_CSV_PATH = '/admin/audit.csv'

export interface AuditPageInput {
  search: AuditSearch
  records: AuditRecord[]
  /** The `before` of the next (older) page; null on the last. */
  older: number | null
}

const option = (value: string, label: string, selected: string | undefined) =>
  html`<option value="${value}" ${raw(value === (selected ?? '') ? 'selected' : '')}>${label}</option>`

/** The search's filters as query parameters (without the page). */
export const auditFilters = (s: AuditSearch) => ({
  lms: s.lms,
  user: s.user,
  course: s.course,
  outcome: s.outcome,
  kind: s.kind,
})

function filters(s: AuditSearch): string {
  const outcomes = [option('', 'Any', s.outcome)]
    .concat(['ok', 'refused', 'failed'].map((o) => option(o, o, s.outcome)))
    .join('')
  const kinds = [option('', 'Any', s.kind)].concat(AUDIT_KINDS.map((k) => option(k, k, s.kind))).join('')
  return html`<form
    class="filters"
    method="get"
    action="${AUDIT_PATH}"
    role="search"
    aria-label="Filter the audit trail"
  >
    <label>LMS <input name="lms" value="${s.lms ?? ''}" /></label>
    <label>User id <input name="user" value="${s.user ?? ''}" /></label>
    <label>Course <input name="course" value="${s.course ?? ''}" /></label>
    <label
      >Outcome
      <select name="outcome">
        ${raw(outcomes)}
      </select></label
    >
    <label
      >Kind
      <select name="kind">
        ${raw(kinds)}
      </select></label
    >
    <button type="submit">Filter</button>
    <a href="${AUDIT_PATH}">Clear</a>
  </form>`
}

const row = (r: AuditRecord) =>
  html`<tr>
    <td>${new Date(r.at).toISOString().replace('T', ' ').slice(0, 19)}</td>
    <td>${r.kind}</td>
    <td>${r.lms ?? ''}</td>
    <td>${r.userId ?? ''}</td>
    <td>${r.course ?? ''}</td>
    <td>${r.lab ?? ''}</td>
    <td>${r.outcome}</td>
    <td>${r.reason ?? ''}</td>
    <td><code>${JSON.stringify(r.data).slice(0, 300)}</code></td>
  </tr>`

/** The Audit page's content: filters, the records newest first, paging and the CSV link. */
export function auditBody(o: AuditPageInput): string {
  const base = auditFilters(o.search)
  const rows = o.records.map(row).join('')
  return html`${raw(filters(o.search))}
    <p><a href="${withQuery(AUDIT_CSV_PATH, base)}" download>Download these records as CSV</a></p>
    <table>
      <thead>
        <tr>
          <th scope="col">When (UTC)</th>
          <th scope="col">Kind</th>
          <th scope="col">LMS</th>
          <th scope="col">User</th>
          <th scope="col">Course</th>
          <th scope="col">Lab</th>
          <th scope="col">Outcome</th>
          <th scope="col">Reason</th>
          <th scope="col">Details</th>
        </tr>
      </thead>
      <tbody>
        ${raw(
          rows ||
            html`<tr>
              <td colspan="9">No record matches these filters.</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <nav class="pages" aria-label="Pages">
      ${raw(o.search.before ? html`<a href="${withQuery(AUDIT_PATH, base)}">Newest records</a>` : '')}
      ${raw(o.older ? html`<a href="${withQuery(AUDIT_PATH, { ...base, before: o.older })}" rel="next">Older records</a>` : '')}
    </nav>`
}
