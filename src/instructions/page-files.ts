import { readdir, realpath, stat } from 'node:fs/promises'
import path from 'node:path'
import { comparePagePaths } from './page-meta.js'

/** A Markdown file found under a content directory. */
export interface PageFile {
  /** Path below the content directory, `/`-separated: the name pages are ordered and identified by. */
  relative: string
  /** The resolved path to read, always inside the content directory's real path. */
  real: string
  size: number
  mtimeMs: number
}

/** How far {@link listPageFiles} looks. */
export interface ListLimits {
  /** Directory entries examined in all, hidden ones included. */
  maxEntries: number
  /** Directory levels below the content directory. */
  maxDepth: number
}

/** The default {@link ListLimits}. */
export const LIST_LIMITS: ListLimits = { maxEntries: 5000, maxDepth: 8 }

/**
 * Every `*.md` file below `root` (a real path: resolve it first), in page order (`comparePagePaths`).
 * Hidden entries (`.name`) are skipped. A symbolic link is followed only when its target resolves inside
 * `root`; any other is refused with a warning, as are dangling links and anything past the limits.
 * Throws only when `root` itself cannot be read.
 */
export async function listPageFiles(
  root: string,
  limits: ListLimits = LIST_LIMITS,
): Promise<{ files: PageFile[]; warnings: string[] }> {
  const files: PageFile[] = []
  const warnings: string[] = []
  const visited = new Set<string>([root])
  let entries = 0
  const walk = async (dir: string, relDir: string, depth: number): Promise<void> => {
    const listing =
      dir === root
        ? await readdir(dir, { withFileTypes: true })
        : await readdir(dir, { withFileTypes: true }).catch(() => {
            warnings.push(`${relDir}: cannot be read: ignored`)
            return []
          })
    for (const entry of listing) {
      if (entry.name.startsWith('.')) continue
      if (++entries > limits.maxEntries) {
        if (entries === limits.maxEntries + 1)
          warnings.push(`more than ${limits.maxEntries} entries: the rest are ignored`)
        return
      }
      const relative = relDir ? `${relDir}/${entry.name}` : entry.name
      let real = path.join(dir, entry.name)
      if (entry.isSymbolicLink()) {
        const target = await realpath(real).catch(() => undefined)
        if (!target) {
          warnings.push(`${relative}: a symbolic link to nothing: ignored`)
          continue
        }
        if (!isInside(root, target)) {
          warnings.push(`${relative}: a symbolic link out of the content directory: refused`)
          continue
        }
        real = target
      }
      const info = await stat(real).catch(() => undefined)
      if (info?.isDirectory()) {
        if (visited.has(real)) continue
        visited.add(real)
        if (depth >= limits.maxDepth)
          warnings.push(`${relative}: deeper than ${limits.maxDepth} levels: ignored`)
        else await walk(real, relative, depth + 1)
      } else if (info?.isFile() && /\.md$/i.test(entry.name)) {
        files.push({ relative, real, size: info.size, mtimeMs: info.mtimeMs })
      }
    }
  }
  await walk(root, '', 0)
  files.sort((a, b) => comparePagePaths(a.relative, b.relative))
  return { files, warnings }
}

/** Whether `target` is `root` itself or below it (both real, absolute paths). */
export function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target)
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel))
}
