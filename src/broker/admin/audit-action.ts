import type { AuditKind, AuditOutcome } from '../../store/audit-store.js'
import type { AdminDeps } from './admin-deps.js'

/** One staff action for the audit trail. */
export interface StaffAction {
  kind: AuditKind
  /** The staff member who acted (labgate's user id). */
  staffId: string
  outcome: AuditOutcome
  /** Why it was refused, in words; null when it went through. */
  reason?: string | null
  /** The workshop concerned, when there is one. */
  lab?: string | null
  /** The target and the details (a session's name, a user's id, the new value); never secrets. */
  data: Record<string, unknown>
}

/**
 * Appends a staff action to the audit trail: `lms` and `course` null, `userId` the staff member. Resolves
 * once the record is durable.
 */
export async function auditStaffAction(
  a: Pick<AdminDeps, 'audit' | 'broker'>,
  x: StaffAction,
): Promise<void> {
  await a.audit.append({
    at: a.broker.clock.now(),
    lms: null,
    kind: x.kind,
    userId: x.staffId,
    course: null,
    lab: x.lab ?? null,
    outcome: x.outcome,
    reason: x.reason ?? null,
    data: x.data,
  })
}
