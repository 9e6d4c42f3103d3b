import type { SessionState } from './types.js'

/**
 * Whether a STOPPED session's row may be purged: it stopped at least `retentionSeconds` ago (so 0 purges at
 * once). Any other state, or a STOPPED row without `stoppedAt`, is never purgeable.
 */
export function isPurgeable(
  s: { state: SessionState; stoppedAt: number | null },
  retentionSeconds: number,
  now: number,
): boolean {
  if (s.state !== 'STOPPED' || s.stoppedAt == null) return false
  return now - s.stoppedAt >= retentionSeconds * 1000
}
