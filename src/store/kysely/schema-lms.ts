/**
 * Tables of the LMS audit trail and of single-use values, created by `migrations/007-lms-audit.ts`, and
 * of grade passback (`migrations/008-lms-grades.ts`). Same conventions as `schema.ts`: times are integer
 * ms since the epoch, JSON as text; ids are integers.
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

/** A session's grade target and its passback; see `GradeStore`. */
export interface LmsGradesTable {
  session: string
  lms: string
  user_id: string
  lms_user_id: string
  course: string | null
  lab: string | null
  /** JSON `GradeTarget`. */
  target: string
  created_at: number
  updated_at: number
  /** `pending`, `done`, `failed`; null before the finish. */
  passback: string | null
  score: number | null
  attempts: number
  next_at: number | null
  finished_at: number | null
  last_error: string | null
}

export interface LmsTables {
  lms_audit: LmsAuditTable
  used_once: UsedOnceTable
  lms_grades: LmsGradesTable
}
