/** Helpers for tests of `src/instructions`. Not used by production code. */
import { expect } from 'vitest'
import { isSafeImageUrl, isSafeLinkUrl } from './safe-url.js'

/** One start tag of an HTML fragment, its attributes decoded. */
export interface Tag {
  name: string
  attrs: Record<string, string>
}

const TAGS = new Set(
  'a p em strong code pre div h1 h2 h3 h4 h5 h6 ul ol li blockquote hr br img table thead tbody tr th td s'.split(
    ' ',
  ),
)
const ATTRS = new Set(
  'href src alt title class target rel style data-action data-terminal data-command data-text data-url start'.split(
    ' ',
  ),
)

/**
 * Every start tag of `html`, checked to be shaped as the renderer writes them: known tags only, known
 * attributes only, each `name="value"` with nothing unquoted. Fails the test otherwise.
 */
export function startTags(html: string): Tag[] {
  const tags: Tag[] = []
  for (const m of html.matchAll(/<([a-zA-Z][a-zA-Z0-9]*)([^>]*)>/g)) {
    const name = m[1]!.toLowerCase()
    const rest = m[2]!
    const attrs: Record<string, string> = {}
    const consumed = rest.replace(/\s([a-z-]+)="([^"]*)"/g, (_, k: string, v: string) => {
      attrs[k] = decode(v)
      return ''
    })
    expect(consumed.trim(), `attributes of <${name}${rest}>`).toBe('')
    expect(TAGS.has(name), `tag <${name}>`).toBe(true)
    for (const k of Object.keys(attrs)) expect(ATTRS.has(k), `attribute ${k} of <${name}>`).toBe(true)
    tags.push({ name, attrs })
  }
  return tags
}

/** Checks the invariants every rendered fragment keeps: tag shapes, link and image URLs. */
export function expectSafeHtml(html: string): void {
  for (const t of startTags(html)) {
    if (t.name === 'a') expect(isSafeLinkUrl(t.attrs.href ?? ''), `href ${t.attrs.href}`).toBe(true)
    if (t.name === 'img') expect(isSafeImageUrl(t.attrs.src ?? ''), `src ${t.attrs.src}`).toBe(true)
    if (t.attrs['data-url'] !== undefined) expect(t.attrs['data-url']).toMatch(/^https?:\/\//)
  }
  // No closing tag of something never opened: only the names above can appear.
  for (const m of html.matchAll(/<\/([a-zA-Z0-9]+)\s*>/g)) expect(TAGS.has(m[1]!.toLowerCase())).toBe(true)
}

/** Decodes the entities `escapeHtml` writes, as a browser reading the attribute would. */
export function decode(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) =>
    e === 'amp' ? '&' : e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'quot' ? '"' : "'",
  )
}
