/** The tables of labgate's consoles (staff, LMS administrators): headings, rows, and the line shown when a list is empty. */
import { html, raw } from './html.js'

/** A column's heading; `num` right-aligns it (and the cells are to carry `class="num"` too). */
export type Column = string | { label: string; num: true }

export interface DataTableInput {
  columns: readonly Column[]
  /** The rows' HTML (`<tr>` elements). */
  rows: readonly string[]
  /** What the table says when `rows` is empty. */
  empty: string
  /** A caption read before the table (explaining its columns), when given. */
  caption?: string
}

const heading = (c: Column) =>
  typeof c === 'string' ? html`<th scope="col">${c}</th>` : html`<th scope="col" class="num">${c.label}</th>`

/** The table's HTML: the caption, the headings, then the rows or one row saying `empty`. */
export function dataTable(o: DataTableInput): string {
  const body =
    o.rows.join('') ||
    html`<tr>
      <td colspan="${o.columns.length}">${o.empty}</td>
    </tr>`
  return html`<table>
    ${raw(
      o.caption
        ? html`<caption class="muted">
            ${o.caption}
          </caption>`
        : '',
    )}
    <thead>
      <tr>
        ${raw(o.columns.map(heading).join(''))}
      </tr>
    </thead>
    <tbody>
      ${raw(body)}
    </tbody>
  </table>`
}

/** A time as the console shows it: `YYYY-MM-DD hh:mm:ss` in UTC; empty for none. */
export const utcTime = (ms: number | null): string =>
  ms === null ? '' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19)
