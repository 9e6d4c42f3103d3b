import { notFound } from '../domain/errors.js'
import { escapeHtml } from '../escape-html.js'
import type { WorkshopContent } from './load-content.js'
import { renderMarkdown } from './markdown.js'
import { interpolate } from './variables.js'

/** One entry of a table of contents: a page's id and its title (plain text, variables filled in). */
export interface TocEntry {
  id: string
  title: string
}

/** One page ready for the dashboard. */
export interface RenderedInstructions {
  /** The page's id. */
  id: string
  /** The page as a safe HTML fragment (see {@link renderPage}). */
  html: string
  /** Plain text: escape it. */
  title: string
  /** Ids of the pages before and after this one, when there are. */
  prev?: string
  next?: string
  toc: TocEntry[]
}

/**
 * Renders one page's Markdown to an HTML fragment that is safe to insert into the dashboard as is: raw
 * HTML in the content shows as text; links go only to http(s), mailto or relative URLs (others render as
 * plain text), external ones with `target="_blank" rel="noopener noreferrer"`; images load only from http(s)
 * or relative URLs (others show their alt text); ordinary code blocks are `<pre><code class="language-x">`;
 * action blocks are `<div class="lg-action" data-action=…>` elements (contract in `actions.ts`,
 * `renderAction`). `vars` fill `%name%` and `{{ name }}` references as text, in prose, code and actions;
 * references to unknown names stay as written. Never throws.
 */
export function renderPage(markdown: string, vars: Readonly<Record<string, string>>): string {
  return renderMarkdown(markdown, vars)
}

/**
 * A table of contents as HTML: `<nav class="lg-toc"><ol><li><a href="…">Title</a></li>…</ol></nav>`, the
 * current page's link with `aria-current="page"`. `pageHref` makes each link (default `?page=<id>`).
 */
export function renderToc(
  toc: readonly TocEntry[],
  currentId: string | undefined,
  pageHref: (id: string) => string = (id) => `?page=${encodeURIComponent(id)}`,
): string {
  const items = toc.map((p) => {
    const current = p.id === currentId ? ' aria-current="page"' : ''
    return `<li><a href="${escapeHtml(pageHref(p.id))}"${current}>${escapeHtml(p.title)}</a></li>`
  })
  return `<nav class="lg-toc"><ol>${items.join('')}</ol></nav>`
}

/**
 * Renders page `pageId` of `content` (the first page when undefined) with its title, its neighbours and
 * the table of contents, titles with `vars` filled in. Throws a `not_found` LabgateError for an id that is
 * not one of the content's pages.
 */
export function renderInstructions(
  content: Pick<WorkshopContent, 'pages'>,
  pageId: string | undefined,
  vars: Readonly<Record<string, string>>,
): RenderedInstructions {
  const { pages } = content
  const at = pageId === undefined ? 0 : pages.findIndex((p) => p.id === pageId)
  const page = pages[at]
  if (!page) throw notFound('No such page in this workshop')
  return {
    id: page.id,
    html: renderPage(page.markdown, vars),
    title: interpolate(page.title, vars),
    prev: pages[at - 1]?.id,
    next: pages[at + 1]?.id,
    toc: pages.map((p) => ({ id: p.id, title: interpolate(p.title, vars) })),
  }
}
