import type { Kysely } from 'kysely'

/**
 * Subject types per client (public, pairwise with a sector identifier, ephemeral), clients an admin has
 * disabled (`disabled_at`: their tokens are inactive, they cannot authenticate), the subject type of
 * each client session (an ephemeral one draws a new sub per grant), and remembered consent in its own
 * table (it lived in `settings` before; those rows are moved here).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('oauth_clients')
    .addColumn('subject_type', 'text', (c) => c.notNull().defaultTo('public'))
    .execute()
  await db.schema.alterTable('oauth_clients').addColumn('sector_identifier', 'text').execute()
  await db.schema.alterTable('oauth_clients').addColumn('disabled_at', 'bigint').execute()
  await db.schema
    .alterTable('auth_client_sessions')
    .addColumn('sub_type', 'text', (c) => c.notNull().defaultTo('public'))
    .execute()
  await db.schema
    .createTable('oauth_consents')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('client_id', 'text', (c) => c.notNull().references('oauth_clients.id'))
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('oauth_consents_pk', ['user_id', 'client_id'])
    .execute()
  // Move consent remembered in `settings` (key `oauth.consent.<user>.<client>`, both URI-encoded).
  const old = (await db
    .selectFrom('settings')
    .select(['key', 'value'])
    .where('key', 'like', 'oauth.consent.%')
    .execute()) as { key: string; value: string }[]
  for (const { key, value } of old) {
    // user ids have no '.' (random UUIDs); client ids may
    const rest = key.slice('oauth.consent.'.length)
    const dot = rest.indexOf('.')
    if (dot <= 0) continue
    const userId = decodeURIComponent(rest.slice(0, dot))
    const clientId = decodeURIComponent(rest.slice(dot + 1))
    const [u, c] = await Promise.all([
      db.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst(),
      db.selectFrom('oauth_clients').select('id').where('id', '=', clientId).executeTakeFirst(),
    ])
    if (u && c)
      await db
        .insertInto('oauth_consents')
        .values({ user_id: userId, client_id: clientId, scope: value, updated_at: Date.now() })
        .execute()
  }
  await db.deleteFrom('settings').where('key', 'like', 'oauth.consent.%').execute()
}
