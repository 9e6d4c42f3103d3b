import SQLite from 'better-sqlite3'
import { Kysely, Migrator, SqliteDialect } from 'kysely'
import { describe, expect, it } from 'vitest'
import type { Database } from '../schema.js'
import { migrations } from './index.js'

describe('migration 004-subjects-consent', () => {
  it('moves consent from settings into oauth_consents and defaults subject types to public', async () => {
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SQLite(':memory:') }) })
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } })
    expect((await migrator.migrateTo('003-live-counts-index')).error).toBeUndefined()
    const now = Date.now()
    await db
      .insertInto('users')
      .values({ id: 'u 1', username: 'ada', kind: 'registered', created_at: now, updated_at: now })
      .execute()
    await db
      .insertInto('oauth_clients')
      .values({
        id: 'app.1',
        secret_hash: null,
        name: 'App',
        kind: 'registered',
        grant_types: '[]',
        scopes: '[]',
        redirect_uris: '[]',
        usage_rules: null,
        created_at: now,
      } as never)
      .execute()
    await db
      .insertInto('settings')
      .values([
        { key: `oauth.consent.${encodeURIComponent('u 1')}.${encodeURIComponent('app.1')}`, value: 'openid' },
        { key: 'oauth.consent.gone.app.1', value: 'openid' },
        { key: 'server.key', value: 'kept' },
      ])
      .execute()

    expect((await migrator.migrateToLatest()).error).toBeUndefined()

    expect(await db.selectFrom('oauth_consents').select(['user_id', 'client_id', 'scope']).execute()).toEqual(
      [{ user_id: 'u 1', client_id: 'app.1', scope: 'openid' }],
    )
    const left = await db.selectFrom('settings').select('key').execute()
    expect(left.map((r) => r.key)).toEqual(['server.key'])
    const client = await db.selectFrom('oauth_clients').selectAll().executeTakeFirstOrThrow()
    expect(client).toMatchObject({ subject_type: 'public', sector_identifier: null })
    await db.destroy()
  })
})
