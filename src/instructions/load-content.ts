import { open, realpath, stat } from 'node:fs/promises'
import path from 'node:path'
import { firstHeading } from './markdown.js'
import { isInside, listPageFiles, type PageFile } from './page-files.js'
import { pageIds, splitFrontMatter, titleFromFileName } from './page-meta.js'

/** One page of a workshop's instructions. */
export interface InstructionPage {
  /** URL-safe (`^[a-z0-9][-a-z0-9]*$`), unique within the workshop, derived from the file's path. */
  id: string
  /** Plain text (escape it), variables not yet filled in. */
  title: string
  /** The page's Markdown, front matter removed. */
  markdown: string
  /** The file as found below `<directory>/content/`; empty for the stand-in page of a workshop without any. */
  file: string
}

/** A workshop's instructions: at least one page, in reading order. Frozen: it is shared between callers. */
export interface WorkshopContent {
  readonly pages: readonly InstructionPage[]
  /** What was skipped or refused while loading (`content/<path>: reason`), for authors. */
  readonly warnings?: readonly string[]
}

/** Per-file and per-workshop limits of {@link loadWorkshopContent}. */
export const CONTENT_LIMITS = { maxPageBytes: 1024 * 1024, maxPages: 200 }

const CACHE_SIZE = 256
const cache = new Map<string, { signature: string; content: WorkshopContent; checkedAt: number }>()

/** How long a load reuses its last look at the files without looking again, ms. */
export const CONTENT_RECHECK_MS = 1000

/** When {@link loadWorkshopContent} looks at the files again. */
export interface ContentFreshness {
  /** Reuse the cached content this long after the files were last looked at, ms (default 1 s; 0 = always look). */
  maxAgeMs?: number
  /** The clock, ms (default `Date.now`). */
  now?: () => number
}

/**
 * Loads the instructions of the workshop whose `workshop.yaml` is in `directory`: every `*.md` below
 * `<directory>/content/`, ordered by path with numbers compared by value. A page's title is its first `#`
 * heading, else its front matter's `title`, else one made from its file name. When there is no content
 * directory, or no page in it, the result is one stand-in page saying so. Symbolic links are followed only
 * within the content directory (which must itself resolve inside `directory`); a page over
 * {@link CONTENT_LIMITS}`.maxPageBytes` is replaced by a note, pages past `maxPages` are left out; each such
 * case adds a warning. The result is cached per directory and reused while no file's path, size or
 * modification time has changed: within `maxAgeMs` of the last look (1 s) without looking, after it at the
 * cost of a walk of the directory, without reading any page. A page edited is therefore shown within a
 * second. An unreadable page is left out with a warning. Throws only on an I/O error other than "not
 * found" for the workshop and content directories themselves.
 */
export async function loadWorkshopContent(
  directory: string,
  { maxAgeMs = CONTENT_RECHECK_MS, now = Date.now }: ContentFreshness = {},
): Promise<WorkshopContent> {
  const key = path.resolve(directory)
  const at = now()
  const known = cache.get(key)
  // Each dashboard view asks: a walk (a realpath and a stat a file, through the thread pool) costs more
  // than the rest of the page.
  if (known && at - known.checkedAt < maxAgeMs) return known.content
  const contentDir = path.join(key, 'content')
  const root = await realContentRoot(key, contentDir)
  if (typeof root !== 'string') return remember(key, '', root, at)
  const { files, warnings } = await listPageFiles(root)
  const signature = JSON.stringify([files.map((f) => [f.relative, f.real, f.size, f.mtimeMs]), warnings])
  const cached = cache.get(key)
  if (cached?.signature === signature) return remember(key, signature, cached.content, at)
  return remember(key, signature, await readPages(contentDir, files, warnings), at)
}

/** Caches `content` for `key` as looked at `at` (the most recently used last); returns it. */
function remember(key: string, signature: string, content: WorkshopContent, at: number): WorkshopContent {
  cache.delete(key)
  cache.set(key, { signature, content, checkedAt: at })
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!)
  return content
}

/** The content directory's real path, or the stand-in content when there is none to read. */
async function realContentRoot(directory: string, contentDir: string): Promise<string | WorkshopContent> {
  let root: string
  try {
    root = await realpath(contentDir)
    if (!(await stat(root)).isDirectory()) return standIn([])
  } catch (err) {
    if (isNotFound(err)) return standIn([])
    throw err
  }
  if (!isInside(await realpath(directory), root)) {
    return standIn(['content: a symbolic link out of the workshop directory: refused'])
  }
  return root
}

async function readPages(
  contentDir: string,
  files: PageFile[],
  warnings: string[],
): Promise<WorkshopContent> {
  const { maxPageBytes, maxPages } = CONTENT_LIMITS
  const all = [...warnings.map((w) => `content/${w}`)]
  if (files.length > maxPages) {
    all.push(`content: ${files.length} pages, more than ${maxPages}: the rest are left out`)
    files = files.slice(0, maxPages)
  }
  const pages: { relative: string; title: string; markdown: string }[] = []
  for (const f of files) {
    let text: string | undefined
    try {
      text = await readPage(f.real, maxPageBytes)
    } catch (err) {
      all.push(
        `content/${f.relative}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}): left out`,
      )
      continue
    }
    if (text === undefined) {
      all.push(`content/${f.relative}: larger than ${maxPageBytes} bytes: not shown`)
      const title = titleFromFileName(f.relative)
      pages.push({ relative: f.relative, title, markdown: `# ${title}\n\nThis page is too large to show.\n` })
      continue
    }
    const split = splitFrontMatter(text)
    if (split.problem) all.push(`content/${f.relative}: ${split.problem}`)
    const fmTitle = split.frontMatter.title
    const title =
      firstHeading(split.markdown) ??
      (typeof fmTitle === 'string' && fmTitle.trim() ? fmTitle.trim() : titleFromFileName(f.relative))
    pages.push({ relative: f.relative, title, markdown: split.markdown })
  }
  if (pages.length === 0) return standIn(all)
  const ids = pageIds(pages.map((p) => p.relative))
  return freeze(
    pages.map((p, i) => ({
      id: ids[i]!,
      title: p.title,
      markdown: p.markdown,
      file: path.join(contentDir, ...p.relative.split('/')),
    })),
    all,
  )
}

/** The page's text (UTF-8, a byte order mark dropped), or undefined when it is larger than `max` bytes. */
async function readPage(file: string, max: number): Promise<string | undefined> {
  const handle = await open(file, 'r')
  try {
    if ((await handle.stat()).size > max) return undefined
    const bytes = await handle.readFile()
    return bytes.length > max ? undefined : new TextDecoder('utf-8').decode(bytes)
  } finally {
    await handle.close()
  }
}

function standIn(warnings: string[]): WorkshopContent {
  return freeze(
    [
      {
        id: 'instructions',
        title: 'Instructions',
        markdown: 'This workshop has no instructions.\n',
        file: '',
      },
    ],
    warnings,
  )
}

function freeze(pages: InstructionPage[], warnings: string[]): WorkshopContent {
  return Object.freeze({
    pages: Object.freeze(pages.map((p) => Object.freeze(p))),
    warnings: Object.freeze(warnings),
  })
}

function isNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  return code === 'ENOENT' || code === 'ENOTDIR'
}
