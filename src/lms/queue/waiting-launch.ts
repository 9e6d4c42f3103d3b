/**
 * A launch kept while it waits: what the protocol gave (`LabLaunch`), as the JSON object a waiter stores,
 * and back. The LMS is kept by name and found again among the registrations when the turn comes.
 */
import type { LmsRegistration } from '../../config/types.js'
import type { LabLaunch } from '../launch/lab-launch.js'

/** The JSON object of `l` (its LMS by name). */
export function launchToJson(l: LabLaunch): Record<string, unknown> {
  const { lms, waiter: _waiter, ...rest } = l
  return { ...rest, lms: lms.name }
}

/** The launch of a stored object for `lms`, or null when it was stored for another LMS or is not one. */
export function launchFromJson(v: Record<string, unknown>, lms: LmsRegistration): LabLaunch | null {
  if (v.lms !== lms.name || typeof v.kind !== 'string' || typeof v.lmsUserId !== 'string') return null
  if (!Array.isArray(v.contextIds) || !v.contextIds.every((c) => typeof c === 'string')) return null
  return { ...(v as unknown as Omit<LabLaunch, 'lms'>), lms }
}
