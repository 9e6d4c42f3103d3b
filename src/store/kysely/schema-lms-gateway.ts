/**
 * Tables of what an LMS's own administrator manages, created by `migrations/012-lms-gateway.ts`; see
 * `LmsGatewayStore`. Same conventions as `schema.ts`: times are integer ms since the epoch, JSON as text.
 */

/** A course's grant of one lab of an LMS; primary key (lms, lab, course). */
export interface LmsCourseGrantsTable {
  lms: string
  lab: string
  course: string
  course_name: string
  /** JSON `CourseSettings`. */
  settings: string
  /** Who granted it (the LMS admin's full name). */
  granted_by: string
  created_at: number
  updated_at: number
}

/** A teacher account of an LMS; its name is unique within the LMS. */
export interface LmsTeachersTable {
  id: string
  lms: string
  name: string
  email: string | null
  created_by: string
  created_at: number
}

/** A teacher's LTI 1.1 key; the secret is never stored, only its hash and salt. */
export interface LmsTeacherKeysTable {
  key: string
  lms: string
  teacher: string
  lab: string
  salt: string
  secret_hash: string
  created_at: number
  revoked_at: number | null
}

/** A launch waiting for a place in a full lab. */
export interface LmsWaitersTable {
  id: string
  lms: string
  lab: string
  environment: string
  user_id: string
  priority: number
  /** JSON object: the launch to replay. */
  launch: string
  /** `waiting`, `served` or `gone`. */
  state: string
  enqueued_at: number
  seen_at: number
  session: string | null
  settled_at: number | null
}

export interface LmsGatewayTables {
  lms_course_grants: LmsCourseGrantsTable
  lms_teachers: LmsTeachersTable
  lms_teacher_keys: LmsTeacherKeysTable
  lms_waiters: LmsWaitersTable
}
