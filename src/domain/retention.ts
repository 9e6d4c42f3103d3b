/** Default for `spec.labgate.events.retention`: rows of the `events` table are kept 90 days. */
export const DEFAULT_EVENT_RETENTION = 90 * 24 * 3600

/**
 * The purge cutoff of a pass at `now`: STOPPED session rows that stopped before it are deleted, so a row
 * is kept for `retentionSeconds` after it stopped (0: it goes at the next pass).
 */
export function purgeCutoff(retentionSeconds: number, now: number): number {
  return now - retentionSeconds * 1000
}
