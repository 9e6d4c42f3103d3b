import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, describe, it } from 'vitest'
import { runStoreSuite } from '../../test/store-suite.js'
import { KyselyStore } from './kysely-store.js'
import { openPostgres } from './open.js'

/**
 * The store suite against PostgreSQL, each test in a fresh database. `LABGATE_TEST_PG_URL` points at a
 * server whose user may create databases (`.ci/run` sets it). Without it the suite is skipped locally,
 * but in CI (`CI=true`) a missing server is a failure, never a silent skip.
 */
const admin = process.env.LABGATE_TEST_PG_URL
const created: string[] = []

if (admin) {
  runStoreSuite({
    name: 'PostgreSQL',
    make: async () => {
      const name = `labgate_test_${randomBytes(6).toString('hex')}`
      const client = new pg.Client({ connectionString: admin })
      await client.connect()
      await client.query(`create database ${name}`)
      await client.end()
      created.push(name)
      const url = new URL(admin)
      url.pathname = `/${name}`
      const db = await openPostgres(url.toString(), { max: 4 })
      return { store: new KyselyStore(db.kysely, 'postgres'), close: () => db.close() }
    },
  })
  afterAll(async () => {
    const client = new pg.Client({ connectionString: admin })
    await client.connect()
    for (const name of created) await client.query(`drop database if exists ${name}`)
    await client.end()
  })
} else {
  describe('Store conformance: PostgreSQL', () => {
    it.skipIf(!process.env.CI)('needs LABGATE_TEST_PG_URL (set by .ci/run)', () => {
      throw new Error('LABGATE_TEST_PG_URL is not set: CI must run the PostgreSQL store suite')
    })
  })
}
