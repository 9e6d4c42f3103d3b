/**
 * The `LmsGatewayStore` over Kysely, for SQLite and PostgreSQL alike. Writes go through the database's
 * commit (on SQLite: its group commit). Conditional writes are single `update … where` statements with
 * `returning`, so the database decides which of two replicas settles a waiter or revokes a key; a
 * teacher's name is claimed by an insert that does nothing on a conflict with the unique (lms, name).
 */
import type {
  CourseGrantRecord,
  LmsGatewayStore,
  NewCourseGrant,
  NewTeacher,
  NewTeacherKey,
  NewWaiter,
  TeacherKeyRecord,
  TeacherRecord,
  WaiterRecord,
} from '../lms-gateway-store.js'
import type { Db } from './db.js'
import { toGrant, toKey, toTeacher, toWaiter } from './lms-gateway-rows.js'

export class KyselyLmsGatewayStore implements LmsGatewayStore {
  constructor(private readonly base: Db) {}

  async putCourseGrant(g: NewCourseGrant): Promise<CourseGrantRecord> {
    const replaced = {
      course_name: g.courseName,
      settings: JSON.stringify(g.settings),
      granted_by: g.by,
      updated_at: g.at,
    }
    const row = await this.base.commit((db) =>
      db
        .insertInto('lms_course_grants')
        .values({ lms: g.lms, lab: g.lab, course: g.course, created_at: g.at, ...replaced })
        .onConflict((oc) => oc.columns(['lms', 'lab', 'course']).doUpdateSet(replaced))
        .returningAll()
        .executeTakeFirstOrThrow(),
    )
    return toGrant(row)
  }

  async deleteCourseGrant(lms: string, lab: string, course: string): Promise<boolean> {
    const r = await this.base.commit((db) =>
      db
        .deleteFrom('lms_course_grants')
        .where('lms', '=', lms)
        .where('lab', '=', lab)
        .where('course', '=', course)
        .executeTakeFirst(),
    )
    return Number(r.numDeletedRows) > 0
  }

  async listCourseGrants(lms: string, lab?: string): Promise<CourseGrantRecord[]> {
    let q = this.base.kysely.selectFrom('lms_course_grants').selectAll().where('lms', '=', lms)
    if (lab !== undefined) q = q.where('lab', '=', lab)
    const rows = await q.orderBy('lab', 'asc').orderBy('course', 'asc').execute()
    return rows.map(toGrant)
  }

  async createTeacher(t: NewTeacher): Promise<TeacherRecord | null> {
    // Only a conflict on (lms, name) is absorbed: a clash of ids is the caller's fault and throws.
    const row = await this.base.commit((db) =>
      db
        .insertInto('lms_teachers')
        .values({
          id: t.id,
          lms: t.lms,
          name: t.name,
          email: t.email,
          created_by: t.by,
          created_at: t.at,
        })
        .onConflict((oc) => oc.columns(['lms', 'name']).doNothing())
        .returningAll()
        .executeTakeFirst(),
    )
    return row ? toTeacher(row) : null
  }

  async getTeacher(lms: string, id: string): Promise<TeacherRecord | null> {
    const row = await this.base.kysely
      .selectFrom('lms_teachers')
      .selectAll()
      .where('id', '=', id)
      .where('lms', '=', lms)
      .executeTakeFirst()
    return row ? toTeacher(row) : null
  }

  async listTeachers(lms: string): Promise<TeacherRecord[]> {
    const rows = await this.base.kysely
      .selectFrom('lms_teachers')
      .selectAll()
      .where('lms', '=', lms)
      .orderBy('name', 'asc')
      .execute()
    return rows.map(toTeacher)
  }

  async createTeacherKey(k: NewTeacherKey): Promise<TeacherKeyRecord> {
    const row = await this.base.commit((db) =>
      db
        .insertInto('lms_teacher_keys')
        .values({
          key: k.key,
          lms: k.lms,
          teacher: k.teacher,
          lab: k.lab,
          salt: k.salt,
          secret_hash: k.secretHash,
          created_at: k.at,
          revoked_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    )
    return toKey(row)
  }

  async getTeacherKey(key: string): Promise<TeacherKeyRecord | null> {
    const row = await this.base.kysely
      .selectFrom('lms_teacher_keys')
      .selectAll()
      .where('key', '=', key)
      .executeTakeFirst()
    return row ? toKey(row) : null
  }

  async listTeacherKeys(lms: string, teacher?: string): Promise<TeacherKeyRecord[]> {
    let q = this.base.kysely.selectFrom('lms_teacher_keys').selectAll().where('lms', '=', lms)
    if (teacher !== undefined) q = q.where('teacher', '=', teacher)
    const rows = await q.orderBy('created_at', 'desc').orderBy('key', 'asc').execute()
    return rows.map(toKey)
  }

  async revokeTeacherKey(lms: string, key: string, at: number): Promise<TeacherKeyRecord | null> {
    const row = await this.base.commit((db) =>
      db
        .updateTable('lms_teacher_keys')
        .set({ revoked_at: at })
        .where('key', '=', key)
        .where('lms', '=', lms)
        .where('revoked_at', 'is', null)
        .returningAll()
        .executeTakeFirst(),
    )
    return row ? toKey(row) : null
  }

  async enqueueWaiter(w: NewWaiter): Promise<WaiterRecord> {
    const row = await this.base.commit((db) =>
      db
        .insertInto('lms_waiters')
        .values({
          id: w.id,
          lms: w.lms,
          lab: w.lab,
          environment: w.environment,
          user_id: w.userId,
          priority: w.priority,
          launch: JSON.stringify(w.launch),
          state: 'waiting',
          enqueued_at: w.at,
          seen_at: w.at,
          session: null,
          settled_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    )
    return toWaiter(row)
  }

  async getWaiter(id: string): Promise<WaiterRecord | null> {
    const row = await this.base.kysely
      .selectFrom('lms_waiters')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    return row ? toWaiter(row) : null
  }

  async findWaiter(environment: string, userId: string): Promise<WaiterRecord | null> {
    const row = await this.waiting()
      .where('environment', '=', environment)
      .where('user_id', '=', userId)
      .limit(1)
      .executeTakeFirst()
    return row ? toWaiter(row) : null
  }

  async listWaiters(environment: string, seenSince: number): Promise<WaiterRecord[]> {
    const rows = await this.waiting()
      .where('environment', '=', environment)
      .where('seen_at', '>=', seenSince)
      .execute()
    return rows.map(toWaiter)
  }

  async listAllWaiting(lms?: string): Promise<WaiterRecord[]> {
    let q = this.waiting()
    if (lms !== undefined) q = q.where('lms', '=', lms)
    return (await q.execute()).map(toWaiter)
  }

  async touchWaiter(id: string, at: number): Promise<WaiterRecord | null> {
    const row = await this.base.commit((db) =>
      db
        .updateTable('lms_waiters')
        .set({ seen_at: at })
        .where('id', '=', id)
        .where('state', '=', 'waiting')
        .returningAll()
        .executeTakeFirst(),
    )
    return row ? toWaiter(row) : null
  }

  async settleWaiter(
    id: string,
    outcome: { state: 'served'; session: string } | { state: 'gone' },
    at: number,
  ): Promise<WaiterRecord | null> {
    const session = outcome.state === 'served' ? outcome.session : null
    const row = await this.base.commit((db) =>
      db
        .updateTable('lms_waiters')
        .set({ state: outcome.state, session, settled_at: at })
        .where('id', '=', id)
        .where('state', '=', 'waiting')
        .returningAll()
        .executeTakeFirst(),
    )
    return row ? toWaiter(row) : null
  }

  async purgeWaitersBefore(at: number): Promise<number> {
    const r = await this.base.commit((db) =>
      db
        .deleteFrom('lms_waiters')
        .where((eb) =>
          eb.or([
            eb.and([eb('state', '<>', 'waiting'), eb('settled_at', '<', at)]),
            eb.and([eb('state', '=', 'waiting'), eb('seen_at', '<', at)]),
          ]),
        )
        .executeTakeFirst(),
    )
    return Number(r.numDeletedRows)
  }

  /** Waiters still `waiting`, in the order they are served. */
  private waiting() {
    return this.base.kysely
      .selectFrom('lms_waiters')
      .selectAll()
      .where('state', '=', 'waiting')
      .orderBy('priority', 'desc')
      .orderBy('enqueued_at', 'asc')
      .orderBy('id', 'asc')
  }
}
