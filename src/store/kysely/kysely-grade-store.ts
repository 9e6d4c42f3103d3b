/**
 * The `GradeStore` over Kysely, for SQLite and PostgreSQL alike. Writes go through the database's commit
 * (on SQLite: its group commit); conditional writes are single `update … where` statements, so the
 * database decides which of two replicas claims a passback.
 */
import type {
  GradeRecord,
  GradeStore,
  GradeTarget,
  NewGradeTarget,
  PassbackSettlement,
  PassbackState,
} from '../grade-store.js'
import type { Db } from './db.js'
import type { LmsGradesTable } from './schema-lms.js'

export class KyselyGradeStore implements GradeStore {
  constructor(private readonly base: Db) {}

  async saveTarget(t: NewGradeTarget): Promise<void> {
    const target = JSON.stringify(t.target)
    await this.base.commit((db) =>
      db
        .insertInto('lms_grades')
        .values({
          session: t.session,
          lms: t.lms,
          user_id: t.userId,
          lms_user_id: t.lmsUserId,
          course: t.course,
          lab: t.lab,
          target,
          created_at: t.at,
          updated_at: t.at,
          passback: null,
          score: null,
          attempts: 0,
          next_at: null,
          finished_at: null,
          last_error: null,
        })
        .onConflict((oc) =>
          oc.column('session').doUpdateSet({
            lms: t.lms,
            user_id: t.userId,
            lms_user_id: t.lmsUserId,
            course: t.course,
            lab: t.lab,
            target,
            updated_at: t.at,
          }),
        )
        .execute(),
    )
  }

  async get(session: string): Promise<GradeRecord | null> {
    const row = await this.base.kysely
      .selectFrom('lms_grades')
      .selectAll()
      .where('session', '=', session)
      .executeTakeFirst()
    return row ? toRecord(row) : null
  }

  async enqueue(session: string, score: number, at: number): Promise<GradeRecord | null> {
    const row = await this.base.commit((db) =>
      db
        .updateTable('lms_grades')
        .set({ passback: 'pending', score, attempts: 0, next_at: at, finished_at: at, last_error: null })
        .where('session', '=', session)
        .where('passback', 'is', null)
        .returningAll()
        .executeTakeFirst(),
    )
    return row ? toRecord(row) : null
  }

  async listPending(): Promise<GradeRecord[]> {
    const rows = await this.base.kysely
      .selectFrom('lms_grades')
      .selectAll()
      .where('passback', '=', 'pending')
      .orderBy('next_at', 'asc')
      .orderBy('session', 'asc')
      .execute()
    return rows.map(toRecord)
  }

  async claim(session: string, now: number, leaseUntil: number): Promise<GradeRecord | null> {
    const row = await this.base.commit((db) =>
      db
        .updateTable('lms_grades')
        .set((eb) => ({ attempts: eb('attempts', '+', 1), next_at: leaseUntil }))
        .where('session', '=', session)
        .where('passback', '=', 'pending')
        .where('next_at', '<=', now)
        .returningAll()
        .executeTakeFirst(),
    )
    return row ? toRecord(row) : null
  }

  async settle(
    session: string,
    attempt: number,
    s: PassbackSettlement,
    at: number,
  ): Promise<GradeRecord | null> {
    const row = await this.base.commit((db) =>
      db
        .updateTable('lms_grades')
        .set({
          passback: s.state,
          next_at: s.state === 'pending' ? s.nextAt : null,
          last_error: s.lastError,
          updated_at: at,
        })
        .where('session', '=', session)
        .where('passback', '=', 'pending')
        .where('attempts', '=', attempt)
        .returningAll()
        .executeTakeFirst(),
    )
    return row ? toRecord(row) : null
  }
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v))

function toRecord(r: LmsGradesTable): GradeRecord {
  return {
    session: r.session,
    lms: r.lms,
    userId: r.user_id,
    lmsUserId: r.lms_user_id,
    course: r.course,
    lab: r.lab,
    target: JSON.parse(r.target) as GradeTarget,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    passback: r.passback as PassbackState | null,
    score: num(r.score),
    attempts: Number(r.attempts),
    nextAt: num(r.next_at),
    finishedAt: num(r.finished_at),
    lastError: r.last_error,
  }
}
