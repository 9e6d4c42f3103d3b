import { PostgresAdapter, type Kysely } from 'kysely'

/** Users, environments, sessions, events, sequences and settings. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('first_name', 'text')
    .addColumn('last_name', 'text')
    .addColumn('password_hash', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('environments')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('portal', 'text', (c) => c.notNull())
    .addColumn('workshop', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('definition_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('stopped_at', 'bigint')
    .execute()

  await db.schema
    .createTable('sessions')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('environment', 'text', (c) => c.notNull().references('environments.name'))
    .addColumn('portal', 'text', (c) => c.notNull())
    .addColumn('workshop', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.references('users.id'))
    .addColumn('reserved', 'integer', (c) => c.notNull())
    .addColumn('via_api', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('allocated_at', 'bigint')
    .addColumn('activated_at', 'bigint')
    .addColumn('started_at', 'bigint')
    .addColumn('expires_at', 'bigint')
    .addColumn('secret_nonce', 'text', (c) => c.notNull())
    .addColumn('index_url', 'text')
    .addColumn('analytics_url', 'text')
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('handle', 'text')
    .addColumn('backend', 'text', (c) => c.notNull())
    .addColumn('last_activity_at', 'bigint')
    .addColumn('last_view_at', 'bigint')
    .addColumn('stopping_at', 'bigint')
    .addColumn('stopped_at', 'bigint')
    .addColumn('stop_reason', 'text')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  await db.schema.createIndex('sessions_env_state').on('sessions').columns(['environment', 'state']).execute()
  await db.schema.createIndex('sessions_owner').on('sessions').columns(['owner', 'state']).execute()
  await db.schema.createIndex('sessions_state').on('sessions').columns(['state']).execute()

  const postgres = db.getExecutor().adapter instanceof PostgresAdapter
  await db.schema
    .createTable('events')
    .addColumn('id', postgres ? 'bigserial' : 'integer', (c) =>
      postgres ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('session', 'text')
    .addColumn('environment', 'text')
    .addColumn('workshop', 'text')
    .addColumn('data', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('events_at').on('events').column('at').execute()

  await db.schema
    .createTable('sequences')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute()
}
