/** Measures a directory tree without following symlinks. */
import { promises as fs } from 'node:fs'
import { join } from 'node:path'
import type { Usage } from './workspace-storage.js'

/**
 * Bytes and files under `dir`: regular files count their size, symlinks and other non-directories
 * count as files of size 0, directories are walked (with lstat, so a symlink is never followed) and not
 * counted. A missing `dir` measures zero; entries vanishing during the walk are skipped.
 */
export async function measure(dir: string): Promise<Usage> {
  const total: Usage = { bytes: 0, files: 0 }
  const walk = async (d: string): Promise<void> => {
    let names: string[]
    try {
      names = await fs.readdir(d)
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'ENOTDIR') return
      throw e
    }
    for (const n of names) {
      const p = join(d, n)
      let st
      try {
        st = await fs.lstat(p)
      } catch {
        continue
      }
      if (st.isDirectory()) await walk(p)
      else {
        total.files += 1
        if (st.isFile()) total.bytes += st.size
      }
    }
  }
  await walk(dir)
  return total
}
