/**
 * Fresh PostgreSQL databases for tests, on the server `LABGATE_TEST_PG_URL` points at (a user that may
 * create databases; `.ci/run` sets it). Without it, tests that need one are skipped locally and fail in CI
 * (`CI=true`): never a silent skip there.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'

export const PG_ADMIN_URL = process.env.LABGATE_TEST_PG_URL

/** True when PostgreSQL tests should run (or fail for want of a server, in CI). */
export const PG_TESTS = !!PG_ADMIN_URL || !!process.env.CI

export class PgDatabases {
  readonly #created: string[] = []

  /** A new, empty database; its connection string. */
  async create(): Promise<string> {
    if (!PG_ADMIN_URL) throw new Error('LABGATE_TEST_PG_URL is not set: CI must run the PostgreSQL tests')
    const name = `labgate_test_${randomBytes(6).toString('hex')}`
    const client = new pg.Client({ connectionString: PG_ADMIN_URL })
    await client.connect()
    await client.query(`create database ${name}`)
    await client.end()
    this.#created.push(name)
    const url = new URL(PG_ADMIN_URL)
    url.pathname = `/${name}`
    return url.toString()
  }

  /**
   * Drops every database this made, four at a time (dozens take a while on a loaded server); `with
   * (force)`, so that a connection left open cannot hold a drop up.
   */
  async dropAll(): Promise<void> {
    if (!PG_ADMIN_URL || this.#created.length === 0) return
    const queue = this.#created.splice(0)
    await Promise.all(
      Array.from({ length: Math.min(4, queue.length) }, async () => {
        const client = new pg.Client({ connectionString: PG_ADMIN_URL })
        await client.connect()
        try {
          for (let name = queue.pop(); name; name = queue.pop())
            await client.query(`drop database if exists ${name} with (force)`)
        } finally {
          await client.end()
        }
      }),
    )
  }
}
