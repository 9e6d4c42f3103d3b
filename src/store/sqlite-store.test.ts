import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { runStoreSuite } from '../../test/store-suite.js'
import { KyselyStore } from './kysely-store.js'
import { openSqlite } from './open.js'

runStoreSuite({
  name: 'SQLite (in memory)',
  make: async () => {
    const db = await openSqlite(':memory:')
    return { store: new KyselyStore(db.kysely), close: () => db.close() }
  },
})

it('opens a SQLite file in WAL mode with durable commits and migrates it once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'labgate-store-'))
  try {
    const file = join(dir, 'x.db')
    const db = await openSqlite(file)
    const { sql } = await import('kysely')
    const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(db.kysely)
    const sync = await sql<{ synchronous: number }>`pragma synchronous`.execute(db.kysely)
    expect(mode.rows[0]?.journal_mode).toBe('wal')
    expect(sync.rows[0]?.synchronous).toBe(2) // FULL
    await new KyselyStore(db.kysely).setSetting('k', 'v')
    await db.close()
    const again = await openSqlite(file)
    expect(await new KyselyStore(again.kysely).getSetting('k')).toBe('v')
    const migrations = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
      again.kysely,
    )
    expect(migrations.rows.map((r) => r.name)).toEqual([
      '001-core',
      '002-auth',
      '003-live-counts-index',
      '004-subjects-consent',
      '005-live-counts-table',
    ])
    await again.close()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
