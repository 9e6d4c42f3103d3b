import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { isSafeSessionName } from './handle.js'
import { removeSessionFiles } from './session-files.js'

/**
 * Deletes `<dataDir>/sessions/<s>` for every session `s` not in `keep`: files a stop never purged because a
 * crash cut it (or the start before it) short. Entries that are not session names (`.etc`) stay. Resolves
 * with the sessions whose files went; a directory that cannot be removed is skipped (and stays listed by
 * the next call).
 */
export async function removeStaleSessionFiles(dataDir: string, keep: ReadonlySet<string>): Promise<string[]> {
  const names = await readdir(join(dataDir, 'sessions')).catch(() => [] as string[])
  const removed: string[] = []
  for (const name of names) {
    if (!isSafeSessionName(name) || keep.has(name)) continue
    try {
      await removeSessionFiles(dataDir, name)
      removed.push(name)
    } catch {
      // Left for the next start-up.
    }
  }
  return removed
}
