import SQLite from 'better-sqlite3'
import { Kysely, Migrator, SqliteDialect } from 'kysely'
import { describe, expect, it } from 'vitest'
import type { Database } from '../schema.js'
import { migrations } from './index.js'

describe('migration 009-session-time-allowed', () => {
  it('gives the sessions already stored no cap, and new ones theirs', async () => {
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SQLite(':memory:') }) })
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } })
    expect((await migrator.migrateTo('007-lms-audit')).error).toBeUndefined()
    const at = Date.now()
    await db
      .insertInto('environments')
      .values({
        name: 'e1',
        portal: 'p',
        workshop: 'w',
        state: 'RUNNING',
        settings: '{}',
        definition_hash: 'h',
        created_at: at,
        stopped_at: null,
      })
      .execute()
    const session = (name: string) => ({
      name,
      environment: 'e1',
      portal: 'p',
      workshop: 'w',
      state: 'WAITING',
      owner: null,
      reserved: 1,
      via_api: 0,
      created_at: at,
      secret_nonce: 'n',
      params: '{}',
      backend: 'fake',
      version: 0,
    })
    await db.insertInto('sessions').values(session('s1')).execute()

    expect((await migrator.migrateToLatest()).error).toBeUndefined()
    await db
      .insertInto('sessions')
      .values({ ...session('s2'), time_allowed: 600 })
      .execute()
    const rows = await db.selectFrom('sessions').select(['name', 'time_allowed']).orderBy('name').execute()
    expect(rows).toEqual([
      { name: 's1', time_allowed: 0 },
      { name: 's2', time_allowed: 600 },
    ])
    await db.destroy()
  })
})
