import SQLite from 'better-sqlite3'
import { Kysely, Migrator, SqliteDialect } from 'kysely'
import { describe, expect, it } from 'vitest'
import type { Database } from '../schema.js'
import { migrations } from './index.js'

const counts = (db: Kysely<Database>) =>
  db
    .selectFrom('live_counts')
    .select(['environment', 'state', 'owned', 'n'])
    .where('n', '>', 0)
    .orderBy(['environment', 'state', 'owned'])
    .execute()

describe('migration 005-live-counts-table', () => {
  it('counts the live sessions already stored, then follows inserts, updates and deletes', async () => {
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SQLite(':memory:') }) })
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } })
    expect((await migrator.migrateTo('004-subjects-consent')).error).toBeUndefined()
    const at = Date.now()
    await db
      .insertInto('users')
      .values({ id: 'u', username: null, kind: 'anonymous', created_at: at, updated_at: at })
      .execute()
    for (const name of ['e1', 'e2'])
      await db
        .insertInto('environments')
        .values({
          name,
          portal: 'p',
          workshop: 'w',
          state: 'RUNNING',
          settings: '{}',
          definition_hash: 'h',
          created_at: at,
          stopped_at: null,
        })
        .execute()
    const session = (name: string, environment: string, state: string, owner: string | null) => ({
      name,
      environment,
      portal: 'p',
      workshop: 'w',
      state,
      owner,
      reserved: 1,
      via_api: 0,
      created_at: at,
      secret_nonce: 'n',
      params: '{}',
      backend: 'fake',
      version: 0,
    })
    await db
      .insertInto('sessions')
      .values([
        session('s1', 'e1', 'WAITING', null),
        session('s2', 'e1', 'WAITING', null),
        session('s3', 'e1', 'RUNNING', 'u'),
        session('s4', 'e2', 'STOPPED', 'u'),
      ])
      .execute()

    expect((await migrator.migrateToLatest()).error).toBeUndefined()
    expect(await counts(db)).toEqual([
      { environment: 'e1', state: 'RUNNING', owned: 1, n: 1 },
      { environment: 'e1', state: 'WAITING', owned: 0, n: 2 },
    ])

    await db
      .insertInto('sessions')
      .values(session('s5', 'e2', 'STARTING', null))
      .execute()
    await db.updateTable('sessions').set({ owner: 'u', state: 'RUNNING' }).where('name', '=', 's1').execute()
    await db.updateTable('sessions').set({ expires_at: 1 }).where('name', '=', 's2').execute()
    await db.updateTable('sessions').set({ state: 'STOPPING' }).where('name', '=', 's3').execute()
    await db.deleteFrom('sessions').where('name', '=', 's2').execute()
    await db.deleteFrom('sessions').where('name', '=', 's4').execute()
    expect(await counts(db)).toEqual([
      { environment: 'e1', state: 'RUNNING', owned: 1, n: 1 },
      { environment: 'e2', state: 'STARTING', owned: 0, n: 1 },
    ])
    await db.destroy()
  })
})
