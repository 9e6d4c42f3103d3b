import { PostgresAdapter, type Kysely } from 'kysely'

/**
 * The LMS audit trail (`lms_audit`, append-only, ids never reused) and the single-use values that stop
 * replays (`used_once`, keyed by scope and value, purged by expiry).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter
  const serial = postgres ? 'bigserial' : 'integer'
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const primary = (c: any) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement())

  await db.schema
    .createTable('lms_audit')
    .addColumn('id', serial, primary)
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('lms', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('course', 'text')
    .addColumn('lab', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('data', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('lms_audit_at').on('lms_audit').column('at').execute()
  await db.schema.createIndex('lms_audit_lms').on('lms_audit').columns(['lms', 'id']).execute()

  await db.schema
    .createTable('used_once')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('used_once_pk', ['scope', 'value'])
    .execute()
  await db.schema.createIndex('used_once_expires').on('used_once').column('expires_at').execute()
}
