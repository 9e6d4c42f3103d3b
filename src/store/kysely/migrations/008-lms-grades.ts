import { PostgresAdapter, type Kysely } from 'kysely'

/**
 * Grade passback (`lms_grades`): one row per session launched from an LMS that wants a grade, with its
 * target (saved at launch, replaced by a re-launch) and, once the learner finished, the passback's state,
 * attempts and next attempt. Pending rows are found by (`passback`, `next_at`).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter
  const real = postgres ? 'double precision' : 'real'

  await db.schema
    .createTable('lms_grades')
    .addColumn('session', 'text', (c) => c.primaryKey())
    .addColumn('lms', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('lms_user_id', 'text', (c) => c.notNull())
    .addColumn('course', 'text')
    .addColumn('lab', 'text')
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('passback', 'text')
    .addColumn('score', real)
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('last_error', 'text')
    .execute()
  await db.schema
    .createIndex('lms_grades_pending')
    .on('lms_grades')
    .columns(['passback', 'next_at'])
    .execute()
}
