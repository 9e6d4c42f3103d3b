/**
 * Tables of the LMS audit trail and of single-use values, created by `migrations/007-lms-audit.ts`. Same
 * conventions as `schema.ts`: times are integer ms since the epoch, JSON as text; ids are integers.
 */
import type { Generated } from 'kysely'

/** Append-only: rows are inserted, and deleted only by the retention purge. */
export interface LmsAuditTable {
  id: Generated<number>
  at: number
  /** The registered LMS's name; null when the request named none labgate knows. */
  lms: string | null
  /** One of `AUDIT_KINDS`. */
  kind: string
  /** No foreign key: refused launches name users that never existed. */
  user_id: string | null
  course: string | null
  lab: string | null
  /** `ok`, `refused` or `failed`. */
  outcome: string
  reason: string | null
  /** JSON object. */
  data: string
}

/** Single-use values; the primary key (scope, value) is what makes a second use fail. */
export interface UsedOnceTable {
  scope: string
  value: string
  expires_at: number
}

export interface LmsTables {
  lms_audit: LmsAuditTable
  used_once: UsedOnceTable
}
