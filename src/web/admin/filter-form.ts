/** The filter form above an admin list: text fields and choices, sent by GET to the list's own page. */
import { html, raw } from '../../http/html.js'

/** A field of a filter form: a text input, or a choice among `[value, label]` options. */
export type FilterField =
  | { kind: 'text'; name: string; label: string; value: string | undefined; placeholder?: string }
  | {
      kind: 'select'
      name: string
      label: string
      options: readonly (readonly [value: string, label: string])[]
      selected: string | undefined
    }

export interface FilterFormInput {
  /** The list's page, where the form is sent. */
  action: string
  /** The form's accessible name (it is a search landmark). */
  label: string
  fields: readonly FilterField[]
  /** The submit button's text; `Filter` by default. */
  submit?: string
  /** Whether a link back to the unfiltered list follows the button; true by default. */
  clear?: boolean
}

/** The options of a choice, the selected one (`''` when none is) marked. */
const options = (f: Extract<FilterField, { kind: 'select' }>) =>
  f.options
    .map(
      ([value, label]) =>
        html`<option value="${value}" ${raw(value === (f.selected ?? '') ? 'selected' : '')}>
          ${label}
        </option>`,
    )
    .join('')

const field = (f: FilterField) =>
  f.kind === 'text'
    ? html`<label
        >${f.label}
        <input
          name="${f.name}"
          value="${f.value ?? ''}"
          ${raw(f.placeholder ? html`placeholder="${f.placeholder}"` : '')}
      /></label>`
    : html`<label
        >${f.label}
        <select name="${f.name}">
          ${raw(options(f))}
        </select></label
      >`

/** The form's HTML: every field labelled, the submit button, and a Clear link unless turned off. */
export function filterForm(o: FilterFormInput): string {
  return html`<form class="filters" method="get" action="${o.action}" role="search" aria-label="${o.label}">
    ${raw(o.fields.map(field).join(''))}
    <button type="submit">${o.submit ?? 'Filter'}</button>
    ${raw(o.clear === false ? '' : html`<a href="${o.action}">Clear</a>`)}
  </form>`
}
