/**
 * The local backend's start-up check of the host's limits: how many live sessions they allow and which
 * runs out first, logged once; a warning with the fix when that is fewer than the portal may run; and,
 * when the operator allowed it (`serve --tune-kernel`, as root), the raises applied first.
 */
import { LOCAL_SESSION_FOOTPRINT } from './footprint.js'
import { readHostLimits, type HostLimits } from './kernel-limits.js'
import { applyRaises, type TuningOptions } from './kernel-tuning.js'
import { headroom, raisesFor, type Headroom, type SessionFootprint } from './session-capacity.js'

/** Sessions `--tune-kernel` prepares for when the portal sets no bound. */
export const DEFAULT_TUNE_SESSIONS = 10_000

export interface HostCheckOptions {
  /** How many sessions the portal may run at once; null when it sets no bound. */
  planned: number | null
  /** Raise what is too low before checking (root only). */
  tune: boolean
  log: (m: string) => void
  /** Where the limits are read and written (tests); `/proc` by default. */
  tuning?: TuningOptions
  /** What one session takes; the local backend's on this machine ({@link LOCAL_SESSION_FOOTPRINT}) by default. */
  footprint?: SessionFootprint
}

/** `12,345`. */
const n = (v: number) => v.toLocaleString('en-US')

/** One line: how far the tightest limit lets sessions go. */
export function describeTightest(h: Headroom): string {
  if (h.limit === 'MemAvailable')
    return (
      `${n(h.sessions)} live sessions (then memory runs out: MemAvailable = ${n(h.value)} MiB, ` +
      `${h.perSession} MiB a session and the kernel's slots for each memory cgroup; ${n(h.spare)} MiB kept free)`
    )
  return `${n(h.sessions)} live sessions (then ${h.resource} run out: ${h.limit} = ${n(h.value)}, ${h.perSession} a session)`
}

/**
 * Checks (and with `tune`, first raises) the host's limits for the local backend; logs what they allow.
 * Returns the limits' headroom after any raise, the tightest first. Never throws.
 */
export function checkHostCapacity(o: HostCheckOptions): Headroom[] {
  const procRoot = o.tuning?.procRoot ?? '/proc'
  const footprint = o.footprint ?? LOCAL_SESSION_FOOTPRINT
  const read = (): HostLimits => readHostLimits(procRoot, o.tuning?.pid ?? 'self')
  if (o.tune) {
    const target = o.planned ?? DEFAULT_TUNE_SESSIONS
    const result = applyRaises(raisesFor(read(), footprint, target), o.tuning)
    for (const r of result.applied)
      o.log(`tuned for ${n(target)} sessions: ${r.limit} ${n(r.from)} → ${n(r.to)}`)
    for (const f of result.failed)
      o.log(`warning: could not raise ${f.raise.limit} to ${n(f.raise.to)}: ${f.reason}`)
  }
  const rows = headroom(read(), footprint)
  const tightest = rows[0]
  if (!tightest) return rows
  o.log(`capacity: this host's limits allow about ${describeTightest(tightest)}`)
  if (o.planned !== null && tightest.sessions < o.planned)
    o.log(
      tightest.limit === 'MemAvailable'
        ? `warning: the portal may run ${n(o.planned)} sessions, more than this host's memory holds; ` +
            "give it more memory, lower the portal's capacity, or give sessions no memory limit of their own " +
            '(`sandbox.memory: 0`: no memory cgroup each, see docs/capacity.md)'
        : `warning: the portal may run ${n(o.planned)} sessions, more than this host's limits allow; ` +
            `raise them with \`labgate tune --sessions ${o.planned}\` as root, or start serve with --tune-kernel`,
    )
  return rows
}

/**
 * How many sessions a portal may run at once: the portal's maximum when set, else the sum of its
 * environments' capacities; null when neither bounds it (an environment of unlimited capacity).
 */
export function plannedSessions(maximum: number, capacities: readonly number[]): number | null {
  if (maximum > 0) return maximum
  if (capacities.length === 0 || capacities.some((c) => c === 0)) return null
  return capacities.reduce((a, b) => a + b, 0)
}
