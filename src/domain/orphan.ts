/**
 * Whether an allocated session is orphaned and should be stopped. Never when `orphanedSeconds` is 0 or the
 * session is not allocated. Idle time counts from `max(allocatedAt, lastActivityAt)` (not from when a reserve
 * was made); the session is orphaned once idle ≥ `orphanedSeconds`, or once its dashboard has been unseen
 * (`now − max(allocatedAt, lastViewAt)`) ≥ 3 × `orphanedSeconds`. Times are epoch ms.
 */
export function isOrphaned(
  s: { allocatedAt: number | null; lastActivityAt: number | null; lastViewAt: number | null },
  orphanedSeconds: number,
  now: number,
): boolean {
  if (orphanedSeconds <= 0 || s.allocatedAt == null) return false
  const limit = orphanedSeconds * 1000
  const idle = now - Math.max(s.allocatedAt, s.lastActivityAt ?? s.allocatedAt)
  const unseen = now - Math.max(s.allocatedAt, s.lastViewAt ?? s.allocatedAt)
  return idle >= limit || unseen >= 3 * limit
}
