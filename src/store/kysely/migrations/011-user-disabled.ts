import type { Kysely } from 'kysely'

/**
 * A user's `disabled` flag (0/1), set by staff in the admin console: a disabled user cannot sign in, and
 * the user's sign-ins and tokens are revoked when it is set. Existing users are enabled.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
}
