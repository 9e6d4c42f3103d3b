import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const ID = /^r-[0-9a-f]{16}$/

/**
 * This replica's id, kept in `<dataDir>/replica-id` (0600) so that a restart with the same data directory
 * is the same replica, which re-adopts its sandboxes: read when the file holds a well-formed id, else a new
 * random one written there.
 */
export function replicaId(dataDir: string): string {
  const file = join(dataDir, 'replica-id')
  try {
    const kept = readFileSync(file, 'utf8').trim()
    if (ID.test(kept)) return kept
  } catch {
    // none yet
  }
  const id = `r-${randomBytes(8).toString('hex')}`
  writeFileSync(file, `${id}\n`, { mode: 0o600 })
  return id
}
