import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { PG_TESTS, PgDatabases } from '../../../test/pg-databases.js'
import { migrations } from './migrations/index.js'
import { openPostgres } from './open.js'

/**
 * Replicas starting together on a new PostgreSQL database: each runs the migrations on start-up (under
 * the migrator's advisory lock), and they run once, whoever comes first, with every replica starting.
 */
const databases = new PgDatabases()

describe.skipIf(!PG_TESTS)('migrations on PostgreSQL', () => {
  afterAll(() => databases.dropAll())

  it('run once when replicas start together on a new database', async () => {
    for (let round = 0; round < 3; round++) {
      const url = await databases.create()
      const dbs = await Promise.all(Array.from({ length: 6 }, () => openPostgres(url, { max: 2 })))
      try {
        const client = new pg.Client({ connectionString: url })
        await client.connect()
        const { rows } = await client.query('select name from kysely_migration order by name')
        await client.end()
        expect(rows.map((r: { name: string }) => r.name)).toEqual(Object.keys(migrations).sort())
      } finally {
        await Promise.all(dbs.map((d) => d.kysely.destroy()))
      }
    }
  })
})
