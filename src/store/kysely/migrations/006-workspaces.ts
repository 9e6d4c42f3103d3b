import { PostgresAdapter, sql, type Kysely } from 'kysely'

/**
 * Workspaces, the jobs that run on them, and the shares that copy them between users. Ids are integers
 * from the database (never reused: SQLite's `autoincrement`, PostgreSQL's sequences). A user has at most
 * one default workspace (a partial unique index), the one their workshop sessions mount.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter
  const serial = postgres ? 'bigserial' : 'integer'
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const primary = (c: any) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement())
  const real = postgres ? 'double precision' : 'real'

  await db.schema
    .createTable('workspaces')
    .addColumn('id', serial, primary)
    .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('default_job_type', 'text')
    .addColumn('disk_space', 'bigint', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('is_default', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_modified_at', 'bigint')
    .addColumn('last_job_launch_at', 'bigint')
    .execute()
  await db.schema.createIndex('workspaces_owner').on('workspaces').column('owner_id').execute()
  await sql`create unique index workspaces_one_default on workspaces (owner_id) where is_default = 1`.execute(
    db,
  )

  await db.schema
    .createTable('jobs')
    .addColumn('id', serial, primary)
    .addColumn('workspace_id', 'bigint', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('job_type', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('handle', 'text')
    .addColumn('sandbox', 'text', (c) => c.notNull().unique())
    .addColumn('resource_options', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('core_hours', real, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('ended_at', 'bigint')
    .execute()
  await db.schema.createIndex('jobs_workspace').on('jobs').column('workspace_id').execute()
  await db.schema.createIndex('jobs_owner_status').on('jobs').columns(['owner_id', 'status']).execute()
  await db.schema.createIndex('jobs_status').on('jobs').column('status').execute()

  await db.schema
    .createTable('workspace_shares')
    .addColumn('id', serial, primary)
    .addColumn('original_workspace_id', 'bigint', (c) => c.references('workspaces.id').onDelete('set null'))
    .addColumn('shared_workspace_id', 'bigint', (c) => c.references('workspaces.id').onDelete('set null'))
    .addColumn('sender_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('recipient_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('is_accepted', 'integer', (c) => c.notNull())
    .addColumn('last_resource_options', 'text', (c) => c.notNull())
    .addColumn('last_job_type', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('shares_sender').on('workspace_shares').column('sender_id').execute()
  await db.schema.createIndex('shares_recipient').on('workspace_shares').column('recipient_id').execute()
  await db.schema
    .createIndex('shares_shared_workspace')
    .on('workspace_shares')
    .column('shared_workspace_id')
    .execute()
}
