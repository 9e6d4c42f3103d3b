import type { Kysely } from 'kysely'

/**
 * Replicas on one database: `replicas` (each `labgate serve` process's id, the address its peers relay
 * to, and its heartbeat), `leases` (named, expiring locks: the reconciler's portal-wide passes run in one
 * replica at a time) and `sessions.replica` (the replica whose backend holds the session's sandbox; null
 * for sessions created before replicas existed, which the lease holder looks after).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('replicas')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
    .addColumn('stopped_at', 'bigint')
    .execute()
  await db.schema
    .createTable('leases')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.alterTable('sessions').addColumn('replica', 'text').execute()
}
