/**
 * The purge cutoff of a pass at `now`: STOPPED session rows that stopped before it are deleted, so a row
 * is kept for `retentionSeconds` after it stopped (0: it goes at the next pass).
 */
export function purgeCutoff(retentionSeconds: number, now: number): number {
  return now - retentionSeconds * 1000
}
