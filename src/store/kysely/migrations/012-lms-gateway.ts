import type { Kysely } from 'kysely'

/**
 * What an LMS's own administrator manages (see `LmsGatewayStore`): `lms_course_grants` (which course of
 * the LMS may launch which of its labs, and with what settings, as JSON), `lms_teachers` (the LMS's
 * teacher accounts, their names unique within the LMS), `lms_teacher_keys` (their LTI 1.1 keys, found by
 * consumer key, listed by LMS and teacher) and `lms_waiters` (launches waiting for a place in a full lab,
 * found by environment and state; the launch to replay as JSON).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('lms_course_grants')
    .addColumn('lms', 'text', (c) => c.notNull())
    .addColumn('lab', 'text', (c) => c.notNull())
    .addColumn('course', 'text', (c) => c.notNull())
    .addColumn('course_name', 'text', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('granted_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('lms_course_grants_pk', ['lms', 'lab', 'course'])
    .execute()

  await db.schema
    .createTable('lms_teachers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('lms', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('lms_teachers_name', ['lms', 'name'])
    .execute()

  await db.schema
    .createTable('lms_teacher_keys')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('lms', 'text', (c) => c.notNull())
    .addColumn('teacher', 'text', (c) => c.notNull())
    .addColumn('lab', 'text', (c) => c.notNull())
    .addColumn('salt', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute()
  await db.schema
    .createIndex('lms_teacher_keys_teacher')
    .on('lms_teacher_keys')
    .columns(['lms', 'teacher'])
    .execute()

  await db.schema
    .createTable('lms_waiters')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('lms', 'text', (c) => c.notNull())
    .addColumn('lab', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('launch', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('enqueued_at', 'bigint', (c) => c.notNull())
    .addColumn('seen_at', 'bigint', (c) => c.notNull())
    .addColumn('session', 'text')
    .addColumn('settled_at', 'bigint')
    .execute()
  await db.schema
    .createIndex('lms_waiters_environment')
    .on('lms_waiters')
    .columns(['environment', 'state'])
    .execute()
}
