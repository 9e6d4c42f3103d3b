import type { AuditSearch } from '../../broker/admin/audit-search.js'
import { html, raw } from '../../http/html.js'
import { AUDIT_KINDS, type AuditRecord } from '../../store/audit-store.js'
import { dataTable, utcTime } from '../../http/data-table.js'
import { filterForm } from './filter-form.js'
import { withQuery } from './layout.js'
import { pager } from './pager.js'

export const AUDIT_PATH = '/admin/audit/'
export const AUDIT_CSV_PATH = '/admin/audit.csv'

export interface AuditPageInput {
  search: AuditSearch
  records: AuditRecord[]
  /** The `before` of the next (older) page; null on the last. */
  older: number | null
}

/** The search's filters as query parameters (without the page). */
export const auditFilters = (s: AuditSearch) => ({
  lms: s.lms,
  user: s.user,
  course: s.course,
  outcome: s.outcome,
  kind: s.kind,
})

const any = ['', 'Any'] as const

const filters = (s: AuditSearch) =>
  filterForm({
    action: AUDIT_PATH,
    label: 'Filter the audit trail',
    fields: [
      { kind: 'text', name: 'lms', label: 'LMS', value: s.lms },
      { kind: 'text', name: 'user', label: 'User id', value: s.user },
      { kind: 'text', name: 'course', label: 'Course', value: s.course },
      {
        kind: 'select',
        name: 'outcome',
        label: 'Outcome',
        options: [any, ...['ok', 'refused', 'failed'].map((o) => [o, o] as const)],
        selected: s.outcome,
      },
      {
        kind: 'select',
        name: 'kind',
        label: 'Kind',
        options: [any, ...AUDIT_KINDS.map((k) => [k, k] as const)],
        selected: s.kind,
      },
    ],
  })

const row = (r: AuditRecord) =>
  html`<tr>
    <td>${utcTime(r.at)}</td>
    <td>${r.kind}</td>
    <td>${r.lms ?? ''}</td>
    <td>${r.userId ?? ''}</td>
    <td>${r.course ?? ''}</td>
    <td>${r.lab ?? ''}</td>
    <td>${r.outcome}</td>
    <td>${r.reason ?? ''}</td>
    <td><code>${JSON.stringify(r.data).slice(0, 300)}</code></td>
  </tr>`

const COLUMNS = ['When (UTC)', 'Kind', 'LMS', 'User', 'Course', 'Lab', 'Outcome', 'Reason', 'Details']

/** The Audit page's content: filters, the records newest first, paging and the CSV link. */
export function auditBody(o: AuditPageInput): string {
  const base = auditFilters(o.search)
  return html`${raw(filters(o.search))}
    <p><a href="${withQuery(AUDIT_CSV_PATH, base)}" download>Download these records as CSV</a></p>
    ${raw(dataTable({ columns: COLUMNS, rows: o.records.map(row), empty: 'No record matches these filters.' }))}
    ${raw(
      pager({
        previous: o.search.before ? { href: withQuery(AUDIT_PATH, base), label: 'Newest records' } : null,
        next: o.older
          ? { href: withQuery(AUDIT_PATH, { ...base, before: o.older }), label: 'Older records' }
          : null,
      }),
    )}`
}
