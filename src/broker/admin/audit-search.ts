import { badRequest } from '../../domain/errors.js'
import {
  AUDIT_KINDS,
  type AuditKind,
  type AuditOutcome,
  type AuditQuery,
  type AuditRecord,
} from '../../store/audit-store.js'
import type { AdminDeps } from './admin-deps.js'

/** Records per page of the Audit page. */
export const AUDIT_PER_PAGE = 50
const OUTCOMES: readonly AuditOutcome[] = ['ok', 'refused', 'failed']

/** The Audit page's filters (and the CSV export's); absent ones do not filter. */
export interface AuditSearch {
  lms?: string
  user?: string
  course?: string
  outcome?: AuditOutcome
  kind?: AuditKind
  /** Records older than this id: the next page. */
  before?: number
}

const text = (v: unknown): string | undefined => {
  const s = Array.isArray(v) ? v[v.length - 1] : v
  return typeof s === 'string' && s.trim() !== '' ? s.trim() : undefined
}

/**
 * Reads the filters from a query string's values. Throws `bad_request` saying what to fix for an unknown
 * outcome or kind, a value over 200 characters, or a `before` that is not a whole number from 1.
 */
export function parseAuditSearch(q: Record<string, unknown>): AuditSearch {
  const out: AuditSearch = {}
  for (const field of ['lms', 'user', 'course'] as const) {
    const v = text(q[field])
    if (v === undefined) continue
    if (v.length > 200) throw badRequest(`${field} must be at most 200 characters`)
    out[field] = v
  }
  const outcome = text(q.outcome)
  if (outcome !== undefined) {
    if (!OUTCOMES.includes(outcome as AuditOutcome))
      throw badRequest(`outcome must be one of ${OUTCOMES.join(', ')}`)
    out.outcome = outcome as AuditOutcome
  }
  const kind = text(q.kind)
  if (kind !== undefined) {
    if (!AUDIT_KINDS.includes(kind as AuditKind))
      throw badRequest(`kind must be one of ${AUDIT_KINDS.join(', ')}`)
    out.kind = kind as AuditKind
  }
  const before = text(q.before)
  if (before !== undefined) {
    if (!/^[1-9][0-9]{0,15}$/.test(before))
      throw badRequest('before must be a record id (a whole number from 1)')
    out.before = Number(before)
  }
  return out
}

/** The store query of a search, newest first. */
export function auditQuery(s: AuditSearch, limit: number): AuditQuery {
  return {
    newest: true,
    limit,
    ...(s.lms ? { lms: s.lms } : {}),
    ...(s.user ? { userId: s.user } : {}),
    ...(s.course ? { course: s.course } : {}),
    ...(s.outcome ? { outcome: s.outcome } : {}),
    ...(s.kind ? { kind: s.kind } : {}),
    ...(s.before ? { beforeId: s.before } : {}),
  }
}

/** One page of the trail, newest first; `older` is the `before` of the next page, null on the last. */
export async function searchAudit(
  a: Pick<AdminDeps, 'audit'>,
  s: AuditSearch,
): Promise<{ records: AuditRecord[]; older: number | null }> {
  const rows = await a.audit.list(auditQuery(s, AUDIT_PER_PAGE + 1))
  const records = rows.slice(0, AUDIT_PER_PAGE)
  return { records, older: rows.length > AUDIT_PER_PAGE ? records[records.length - 1]!.id : null }
}
