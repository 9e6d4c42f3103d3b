import { chmodSync, mkdirSync, statSync } from 'node:fs'

/**
 * Creates the data directory (mode 0700) or takes away what others and the group may do in an existing
 * one, keeping only others' search permission (o+x) when it is there: the local backend adds that so a
 * sandbox uid can pass through to `sessions/` (see `prepareDataDir`), and it lets nobody list or read.
 * Returns the mode it left. Synchronous; throws what the file system throws.
 */
export function restrictDataDir(dataDir: string): number {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const mode = statSync(dataDir).mode & 0o7777
  const wanted = (mode & 0o700) | (mode & 0o001)
  if (wanted !== mode) chmodSync(dataDir, wanted)
  return wanted
}
