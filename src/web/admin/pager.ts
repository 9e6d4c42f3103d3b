/** The paging links under an admin list. */
import { html, raw } from '../../http/html.js'

/** A link to another page of a list. */
export interface PageLink {
  href: string
  label: string
}

export interface PagerInput {
  /** The newer or previous page, when there is one. */
  previous?: PageLink | null
  /** Where the list stands (`Page 2 of 5 · 120 sessions`), when known. */
  status?: string
  /** The older or next page, when there is one. */
  next?: PageLink | null
  /** The landmark's accessible name; `Pages` by default (a page with two pagers names them apart). */
  label?: string
}

/**
 * The pager's HTML: a navigation landmark with the links that apply (`rel` prev and next); nothing when
 * there is neither a link nor a status.
 */
export function pager(o: PagerInput): string {
  if (!o.previous && !o.next && !o.status) return ''
  return html`<nav class="pages" aria-label="${o.label ?? 'Pages'}">
    ${raw(o.previous ? html`<a href="${o.previous.href}" rel="prev">${o.previous.label}</a>` : '')}
    ${raw(o.status ? html`<span>${o.status}</span>` : '')}
    ${raw(o.next ? html`<a href="${o.next.href}" rel="next">${o.next.label}</a>` : '')}
  </nav>`
}
