import type { Kysely } from 'kysely'

/**
 * Tables of the grant/token model: clients, user sessions, client sessions, grants, tokens. Portable DDL
 * only (SQLite and PostgreSQL); ids are random text, so no autoincrement.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('oauth_clients')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('secret_hash', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('grant_types', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('redirect_uris', 'text', (c) => c.notNull())
    .addColumn('usage_rules', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('oauth_clients_kind').on('oauth_clients').column('kind').execute()

  await db.schema
    .createTable('auth_user_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('authn_event', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('revoked', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  await db.schema.createIndex('auth_user_sessions_user').on('auth_user_sessions').column('user_id').execute()

  await db.schema
    .createTable('auth_client_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_session_id', 'text', (c) => c.notNull().references('auth_user_sessions.id'))
    .addColumn('client_id', 'text', (c) => c.notNull().references('oauth_clients.id'))
    .addColumn('sub', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  await db.schema
    .createIndex('auth_client_sessions_user_session')
    .on('auth_client_sessions')
    .column('user_session_id')
    .execute()
  await db.schema
    .createIndex('auth_client_sessions_client')
    .on('auth_client_sessions')
    .column('client_id')
    .execute()

  await db.schema
    .createTable('auth_grants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_session_id', 'text', (c) => c.notNull().references('auth_client_sessions.id'))
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('claims', 'text', (c) => c.notNull())
    .addColumn('resources', 'text', (c) => c.notNull())
    .addColumn('sub', 'text', (c) => c.notNull())
    .addColumn('usage_rules', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('revoked', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  await db.schema
    .createIndex('auth_grants_client_session')
    .on('auth_grants')
    .column('client_session_id')
    .execute()

  await db.schema
    .createTable('auth_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('grant_id', 'text', (c) => c.notNull().references('auth_grants.id'))
    .addColumn('class', 'text', (c) => c.notNull())
    .addColumn('parent_id', 'text', (c) => c.references('auth_tokens.id'))
    .addColumn('value_hash', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('resources', 'text', (c) => c.notNull())
    .addColumn('used', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_usage', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('revoked', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  await db.schema
    .createIndex('auth_tokens_value_hash')
    .unique()
    .on('auth_tokens')
    .column('value_hash')
    .execute()
  await db.schema.createIndex('auth_tokens_grant').on('auth_tokens').column('grant_id').execute()
  await db.schema.createIndex('auth_tokens_parent').on('auth_tokens').column('parent_id').execute()
}
