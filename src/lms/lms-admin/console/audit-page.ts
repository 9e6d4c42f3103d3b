/**
 * The Audit page (`/lms-admin/audit/?before=`): the LMS's audit records, newest first, a page at a time
 * (what its users launched, what its administrators changed, every refusal), with their details as JSON.
 */
import type { LmsRegistration } from '../../../config/types.js'
import { html, raw } from '../../../http/html.js'
import type { AuditRecord } from '../../../store/audit-store.js'
import { AUDIT_PATH, localTime, table, withQuery } from './console-layout.js'

/** Records shown per page. */
export const AUDIT_PAGE = 50

/** What the Audit page shows. */
export interface AuditInput {
  lms: LmsRegistration
  /** The page's records, newest first (at most {@link AUDIT_PAGE}). */
  records: readonly AuditRecord[]
  /** The `before` of this page; null for the newest. */
  before: number | null
  /** The `before` of the next, older page; null when this is the last. */
  older: number | null
}

/** Reads `?before=`: a record id, or null for the newest page. */
export const readBefore = (query: Record<string, string>): number | null =>
  /^\d{1,15}$/.test(query.before ?? '') ? Number(query.before) : null

/** The user's id as the LMS knows it (labgate's `<lms>:<id>` without the LMS). */
const userOf = (lms: string, id: string | null) =>
  id === null ? '' : id.startsWith(`${lms}:`) ? id.slice(lms.length + 1) : id

/** The Audit page's content. */
export function auditBody(o: AuditInput): string {
  const tz = o.lms.timeZone
  const rows = o.records.map(
    (r) =>
      html`<tr>
        <td>${localTime(r.at, tz)}</td>
        <td>${r.kind}</td>
        <td>${r.outcome}</td>
        <td>${userOf(o.lms.name, r.userId)}</td>
        <td>${r.course ?? ''}</td>
        <td>${r.lab ?? ''}</td>
        <td>${r.reason ?? ''}</td>
        <td><code>${JSON.stringify(r.data).slice(0, 500)}</code></td>
      </tr>`,
  )
  const newest = o.before !== null ? html`<a href="${AUDIT_PATH}">Newest records</a>` : ''
  const older =
    o.older !== null
      ? html`<a href="${withQuery(AUDIT_PATH, { before: o.older })}" rel="next">Older records</a>`
      : ''
  return html`${raw(
    table({
      columns: [`When (${tz})`, 'Kind', 'Outcome', 'User', 'Course', 'Lab', 'Reason', 'Details'],
      rows,
      empty: o.before === null ? 'Nothing is recorded for your LMS yet.' : 'No older record.',
    }),
  )}
  ${raw(newest || older ? html`<nav class="pages" aria-label="Pages of records">${raw(newest)} ${raw(older)}</nav>` : '')}`
}
