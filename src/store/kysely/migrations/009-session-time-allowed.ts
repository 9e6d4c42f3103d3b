import type { Kysely } from 'kysely'

/**
 * A session's own cap on its lifetime (`time_allowed`, seconds from activation; 0 = none), set when an LMS
 * launches a lab with a `timeAllowed`. Existing sessions get 0: they keep the expiry they have.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('sessions')
    .addColumn('time_allowed', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
}
