import type { AuditRecord } from '../../store/audit-store.js'

/** The plain output's columns, in order; the last one (the reason) is not padded. */
const COLUMNS = ['time', 'lms', 'kind', 'outcome', 'user', 'course', 'lab', 'by', 'reason'] as const

/**
 * Writes audit records as aligned text, one line per record, in pages: a column is as wide as its widest
 * value so far, so a later page may widen it but never narrows it. Values from the LMS (ids, reasons
 * quoting claims) are shown with control characters replaced, so no record can write to the terminal.
 */
export class AuditLines {
  #widths = COLUMNS.map(() => 0)

  /** The lines of `page`, in its order. */
  format(page: readonly AuditRecord[]): string[] {
    const rows = page.map(cells)
    for (const row of rows) row.forEach((c, i) => (this.#widths[i] = Math.max(this.#widths[i]!, c.length)))
    const last = COLUMNS.length - 1
    return rows.map((row) =>
      row
        .map((c, i) => (i === last ? c : c.padEnd(this.#widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
  }
}

/** One record as a JSON line: the record with its time also in ISO form (`time`, beside `at` in ms). */
export function auditJsonLine(r: AuditRecord): string {
  const { id, at, ...rest } = r
  return JSON.stringify({ id, time: new Date(at).toISOString(), at, ...rest })
}

function cells(r: AuditRecord): string[] {
  return [
    new Date(r.at).toISOString(),
    r.lms,
    r.kind,
    r.outcome,
    r.userId,
    r.course,
    r.lab,
    actedBy(r.data),
    r.reason,
  ].map(show)
}

/**
 * Who acted for a record beside its user: the teacher whose key launched, or the LMS administrator who
 * changed something (`data.teacherName`, `data.by`); null for neither.
 */
function actedBy(data: Record<string, unknown>): string | null {
  if (typeof data.teacherName === 'string') return `teacher ${data.teacherName}`
  return typeof data.by === 'string' ? data.by : null
}

function show(v: string | null): string {
  if (v === null || v === '') return '-'
  // eslint-disable-next-line no-control-regex
  return v.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim() || '-'
}
