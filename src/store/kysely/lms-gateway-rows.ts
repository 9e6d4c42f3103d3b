/**
 * Rows of the LMS gateway tables (`schema-lms-gateway.ts`) to the records of `LmsGatewayStore`. Times
 * go through `Number`: PostgreSQL's driver returns `bigint` columns as strings.
 */
import type {
  CourseGrantRecord,
  CourseSettings,
  TeacherKeyRecord,
  TeacherRecord,
  WaiterRecord,
  WaiterState,
} from '../lms-gateway-store.js'
import type {
  LmsCourseGrantsTable,
  LmsTeacherKeysTable,
  LmsTeachersTable,
  LmsWaitersTable,
} from './schema-lms-gateway.js'

const num = (v: number | string | null): number | null => (v === null ? null : Number(v))

/** A `lms_course_grants` row as a record. */
export function toGrant(r: LmsCourseGrantsTable): CourseGrantRecord {
  return {
    lms: r.lms,
    lab: r.lab,
    course: r.course,
    courseName: r.course_name,
    settings: JSON.parse(r.settings) as CourseSettings,
    by: r.granted_by,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  }
}

/** A `lms_teachers` row as a record. */
export function toTeacher(r: LmsTeachersTable): TeacherRecord {
  return {
    lms: r.lms,
    id: r.id,
    name: r.name,
    email: r.email,
    by: r.created_by,
    createdAt: Number(r.created_at),
  }
}

/** A `lms_teacher_keys` row as a record. */
export function toKey(r: LmsTeacherKeysTable): TeacherKeyRecord {
  return {
    key: r.key,
    lms: r.lms,
    teacher: r.teacher,
    lab: r.lab,
    salt: r.salt,
    secretHash: r.secret_hash,
    createdAt: Number(r.created_at),
    revokedAt: num(r.revoked_at),
  }
}

/** A `lms_waiters` row as a record. */
export function toWaiter(r: LmsWaitersTable): WaiterRecord {
  return {
    id: r.id,
    lms: r.lms,
    lab: r.lab,
    environment: r.environment,
    userId: r.user_id,
    priority: Number(r.priority),
    launch: JSON.parse(r.launch) as Record<string, unknown>,
    state: r.state as WaiterState,
    enqueuedAt: Number(r.enqueued_at),
    seenAt: Number(r.seen_at),
    session: r.session,
    settledAt: num(r.settled_at),
  }
}
