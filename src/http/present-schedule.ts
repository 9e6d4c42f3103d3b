/** A time as the wire shows it: ISO 8601 with milliseconds and `Z`, or null. */
export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())

/**
 * A session's schedule (or any view with `started` and `expires` in epoch ms) as the Educates API and
 * the dashboard's API answer it: the same fields, the two times as ISO strings.
 */
export function presentSchedule<T extends { started: number | null; expires: number | null }>(
  v: T,
): Omit<T, 'started' | 'expires'> & { started: string | null; expires: string | null } {
  return { ...v, started: iso(v.started), expires: iso(v.expires) }
}
