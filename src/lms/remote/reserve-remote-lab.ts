/**
 * A learner's launch of a lab that lives on a remote lab system: labgate asks the system for a
 * reservation (gateway4labs' `reserve`) and sends the learner to the `load_url` it answers. There is no
 * session or sandbox of labgate's own. Every attempt is a `remote.reserve` audit record.
 */
import type { Clock } from '../../domain/clock.js'
import type { RemoteLabRef, RemoteLabSystem } from '../../config/types.js'
import type { AuditStore } from '../../store/audit-store.js'
import { pluginClientFor, type PluginClient } from './plugin-client.js'
import { RemoteLabError } from './remote-lab-error.js'

/** What a reservation needs besides the request. */
export interface RemoteReserveDeps {
  /** The configured systems (`spec.labgate.remoteLabs`). */
  remoteLabs: readonly RemoteLabSystem[]
  audit: AuditStore
  clock: Clock
  /** The client of a system; {@link pluginClientFor} by default. */
  clientFor?: (system: RemoteLabSystem) => PluginClient
}

/** One reservation to ask for, with what the audit record needs. */
export interface RemoteReserve {
  /** The LMS's name: the reservation's `institution` and the record's LMS. */
  lms: string
  /** labgate's user id (`<lms>:<id>`): the reservation's `username`. */
  userId: string
  course: string | null
  /** The LMS's id of the lab. */
  labId: string
  remote: RemoteLabRef
  /** The learner's browser, when the caller knows it: sent as `user_properties`. */
  browser?: { userAgent?: string; ip?: string; referer?: string }
  /** The LMS's return URL, sent as `back` when known. */
  back?: string | null
}

/** A reservation made (where to send the learner), or why none was (a sentence naming the system). */
export type RemoteReserveOutcome =
  { ok: true; reservationId: string; loadUrl: string } | { ok: false; reason: string }

/**
 * Reserves `r.remote.laboratory` on system `r.remote.system` and audits the attempt (`remote.reserve`,
 * `ok` with the reservation id and system, or `failed` with the reason). Never throws for a lab system's
 * failure or a system missing from the configuration: those are `{ok: false}`.
 */
export async function reserveRemoteLab(
  deps: RemoteReserveDeps,
  r: RemoteReserve,
): Promise<RemoteReserveOutcome> {
  const record = (outcome: 'ok' | 'failed', reason: string | null, extra: Record<string, unknown>) =>
    deps.audit.append({
      at: deps.clock.now(),
      lms: r.lms,
      kind: 'remote.reserve',
      userId: r.userId,
      course: r.course,
      lab: r.labId,
      outcome,
      reason,
      data: { system: r.remote.system, laboratory: r.remote.laboratory, ...extra },
    })
  const system = deps.remoteLabs.find((s) => s.name === r.remote.system)
  if (!system) {
    const reason = `remote lab system ${r.remote.system} is not configured in spec.labgate.remoteLabs`
    await record('failed', reason, {})
    return { ok: false, reason }
  }
  const client = (deps.clientFor ?? pluginClientFor)(system)
  const b = r.browser ?? {}
  try {
    const res = await client.reserve({
      laboratoryId: r.remote.laboratory,
      username: r.userId,
      institution: r.lms,
      userProperties: {
        ...(b.userAgent ? { user_agent: b.userAgent } : {}),
        ...(b.ip ? { from_ip: b.ip } : {}),
        ...(b.referer ? { referer: b.referer } : {}),
      },
      ...(r.back ? { back: r.back } : {}),
    })
    await record('ok', null, { reservation: res.reservationId })
    return { ok: true, reservationId: res.reservationId, loadUrl: res.loadUrl }
  } catch (e) {
    if (!(e instanceof RemoteLabError)) throw e
    await record('failed', e.message, { error: e.code, ...(e.status ? { status: e.status } : {}) })
    return { ok: false, reason: e.message }
  }
}
