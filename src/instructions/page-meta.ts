import { isMapping, parseYaml } from './parse-yaml.js'

/** A page's Markdown without its front matter, and the front matter's mapping (empty when none). */
export interface SplitPage {
  markdown: string
  frontMatter: Record<string, unknown>
  /** Why a `---` block at the top was not taken as front matter, when it was not. */
  problem?: string
}

/**
 * Splits YAML front matter (a first line `---`, a closing line `---` or `...`) off a page. A block that is
 * not a YAML mapping is left in the Markdown, where it renders as a rule and text, and `problem` says why.
 */
export function splitFrontMatter(text: string): SplitPage {
  const open = /^---[ \t]*\r?\n/.exec(text)
  if (!open) return { markdown: text, frontMatter: {} }
  const close = /^(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/m.exec(text.slice(open[0].length))
  if (!close) return { markdown: text, frontMatter: {} }
  const yaml = text.slice(open[0].length, open[0].length + close.index)
  const parsed = parseYaml(yaml)
  const value = parsed.ok ? (parsed.value ?? {}) : undefined
  if (!isMapping(value)) {
    const problem = parsed.ok ? 'front matter is not a YAML mapping' : `front matter: ${parsed.error}`
    return { markdown: text, frontMatter: {}, problem }
  }
  return { markdown: text.slice(open[0].length + close.index + close[0].length), frontMatter: value }
}

/** A path segment without a leading ordering number (`02-setup` → `setup`), unless that is all it is. */
function withoutNumberPrefix(segment: string): string {
  return segment.replace(/^\d+(?:[-_. ]+|(?=[^\d]))/, '') || segment
}

function slug(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
}

/**
 * URL-safe ids (`^[a-z0-9][-a-z0-9]*$`, at most 64 characters) for pages given by their paths relative to
 * the content directory, in page order: the path without `.md` and ordering numbers, slugged, its segments
 * joined by `-` (`02-basics/01-files.md` → `basics-files`). Renumbering pages keeps their ids; a clash
 * takes a `-2`, `-3` suffix in page order.
 */
export function pageIds(relativePaths: readonly string[]): string[] {
  const used = new Set<string>()
  return relativePaths.map((relative) => {
    const parts = relative
      .replace(/\.md$/i, '')
      .split('/')
      .map((s) => slug(withoutNumberPrefix(s)))
      .filter(Boolean)
    const base = parts.join('-').slice(0, 60).replace(/-+$/, '') || 'page'
    let id = base
    for (let n = 2; used.has(id); n++) id = `${base}-${n}`
    used.add(id)
    return id
  })
}

/** A title made from a page's file name when it has no heading nor front matter title: `02-next-steps.md` → `Next steps`. */
export function titleFromFileName(relativePath: string): string {
  const name = withoutNumberPrefix(relativePath.split('/').pop()!.replace(/\.md$/i, ''))
  const words = name.replace(/[-_\s]+/g, ' ').trim()
  return words ? words[0]!.toUpperCase() + words.slice(1) : 'Untitled'
}

/**
 * Orders page paths (relative, `/`-separated) as a reader expects: segment by segment, numbers by value
 * (`2-x.md` before `10-y.md`), an `index.md` or `_index.md` first in its directory, ties by code units.
 */
export function comparePagePaths(a: string, b: string): number {
  const as = a.split('/')
  const bs = b.split('/')
  for (let i = 0; i < Math.min(as.length, bs.length); i++) {
    const x = as[i]!
    const y = bs[i]!
    if (x === y) continue
    const xIndex = i === as.length - 1 && /^_?index\.md$/i.test(x)
    const yIndex = i === bs.length - 1 && /^_?index\.md$/i.test(y)
    if (xIndex !== yIndex) return xIndex ? -1 : 1
    return naturalCompare(x.replace(/\.md$/i, ''), y.replace(/\.md$/i, '')) || (x < y ? -1 : 1)
  }
  return as.length - bs.length
}

function naturalCompare(a: string, b: string): number {
  // Split with a capture: even indices are text, odd ones digits.
  const xs = a.split(/(\d+)/)
  const ys = b.split(/(\d+)/)
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
    const x = xs[i]!
    const y = ys[i]!
    if (x === y) continue
    if (i % 2 === 0) return x < y ? -1 : 1
    const xn = x.replace(/^0+(?=\d)/, '')
    const yn = y.replace(/^0+(?=\d)/, '')
    if (xn.length !== yn.length) return xn.length - yn.length
    if (xn !== yn) return xn < yn ? -1 : 1
  }
  return xs.length - ys.length
}
