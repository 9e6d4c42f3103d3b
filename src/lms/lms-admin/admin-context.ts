/**
 * What an LMS administrator's actions run with: their LMS (every read and change is of it only), their
 * name (recorded as `by`), the stores and the clock, and the server key (teachers' secrets).
 */
import type { LmsRegistration } from '../../config/types.js'
import type { Clock } from '../../domain/clock.js'
import type { AuditKind, AuditStore } from '../../store/audit-store.js'
import type { LmsGatewayStore } from '../../store/lms-gateway-store.js'

export interface LmsAdminContext {
  lms: LmsRegistration
  /** The administrator's name as the LMS gave it. */
  by: string
  gateway: LmsGatewayStore
  audit: AuditStore
  clock: Clock
  /** The server key: derives teachers' LTI 1.1 secrets. */
  key: Uint8Array
}

/** Appends an audit record of an administrator's action (`lms` theirs, `userId` null, `data.by` them). */
export const auditAdmin = (
  c: LmsAdminContext,
  kind: AuditKind,
  r: { course?: string | null; lab?: string | null; data: Record<string, unknown> },
) =>
  c.audit.append({
    at: c.clock.now(),
    lms: c.lms.name,
    kind,
    userId: null,
    course: r.course ?? null,
    lab: r.lab ?? null,
    outcome: 'ok',
    reason: null,
    data: { by: c.by, ...r.data },
  })
