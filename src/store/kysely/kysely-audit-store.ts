/**
 * The `AuditStore` over Kysely, for SQLite and PostgreSQL alike. Built by `openStore`; appends go through
 * the database's commit (on SQLite: its group commit), reads straight to the database.
 */
import type {
  AuditKind,
  AuditOutcome,
  AuditQuery,
  AuditRecord,
  AuditStore,
  NewAuditRecord,
} from '../audit-store.js'
import type { Db } from './db.js'
import type { LmsAuditTable } from './schema-lms.js'

type Row = Omit<LmsAuditTable, 'id'> & { id: number }

export class KyselyAuditStore implements AuditStore {
  constructor(private readonly base: Db) {}

  async append(r: NewAuditRecord): Promise<AuditRecord> {
    const row = await this.base.commit((db) =>
      db
        .insertInto('lms_audit')
        .values({
          at: r.at,
          lms: r.lms,
          kind: r.kind,
          user_id: r.userId,
          course: r.course,
          lab: r.lab,
          outcome: r.outcome,
          reason: r.reason,
          data: JSON.stringify(r.data),
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    )
    return toRecord(row)
  }

  async list(f: AuditQuery = {}): Promise<AuditRecord[]> {
    if (f.limit !== undefined && !(f.limit >= 1)) return []
    let q = this.base.kysely.selectFrom('lms_audit').selectAll()
    if (f.lms !== undefined) q = q.where('lms', '=', f.lms)
    if (f.since !== undefined) q = q.where('at', '>=', f.since)
    if (f.until !== undefined) q = q.where('at', '<', f.until)
    if (f.afterId !== undefined) q = q.where('id', '>', Math.floor(f.afterId))
    if (f.beforeId !== undefined) q = q.where('id', '<', Math.ceil(f.beforeId))
    if (f.userId !== undefined) q = q.where('user_id', '=', f.userId)
    if (f.course !== undefined) q = q.where('course', '=', f.course)
    if (f.outcome !== undefined) q = q.where('outcome', '=', f.outcome)
    if (f.kind !== undefined) q = q.where('kind', '=', f.kind)
    q = q.orderBy('id', f.newest ? 'desc' : 'asc')
    if (f.limit !== undefined) q = q.limit(Math.floor(f.limit))
    return (await q.execute()).map(toRecord)
  }

  async purgeBefore(at: number): Promise<number> {
    const r = await this.base.commit((db) =>
      db.deleteFrom('lms_audit').where('at', '<', at).executeTakeFirst(),
    )
    return Number(r.numDeletedRows)
  }
}

function toRecord(r: Row): AuditRecord {
  return {
    id: Number(r.id),
    at: Number(r.at),
    lms: r.lms,
    kind: r.kind as AuditKind,
    userId: r.user_id,
    course: r.course,
    lab: r.lab,
    outcome: r.outcome as AuditOutcome,
    reason: r.reason,
    data: JSON.parse(r.data) as Record<string, unknown>,
  }
}
