import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type MigrationProvider } from 'kysely'
import pg from 'pg'
import { Db } from './db.js'
import { nulGuardedPool } from './nul-guard.js'
import { PgNotifier } from './pg-notifier.js'
import { makeDatabasePrivate } from './private-files.js'
import { migrations } from './migrations/index.js'
import type { Database } from './schema.js'

export { Db }

const provider: MigrationProvider = { getMigrations: async () => migrations }

/**
 * Opens (creating if needed) the SQLite database at `file`, private to its owner (0600, with its `-wal`
 * and `-shm`; see `makeDatabasePrivate`), in WAL mode with durable commits
 * (`synchronous=FULL`), and runs pending migrations. `:memory:` gives a private in-memory database.
 * Throws with the migration's name when one fails; the database is left at the last good version.
 */
export async function openSqlite(file: string): Promise<Db> {
  if (file !== ':memory:') {
    mkdirSync(dirname(file), { recursive: true })
    makeDatabasePrivate(file)
  }
  const sqlite = new SQLite(file)
  sqlite.pragma('journal_mode = WAL')
  if (file !== ':memory:') makeDatabasePrivate(file)
  sqlite.pragma('synchronous = FULL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 5000')
  // Temporary B-trees (a subquery on the table being updated, ORDER BY without an index, `insert … select`
  // in the live-count triggers) in memory: better-sqlite3's build puts them in a temporary file
  // (TEMP_STORE=1), which made taking a reserve cost 0.7–1.4 ms instead of about 0.2 ms.
  sqlite.pragma('temp_store = memory')
  const kysely = new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
  })
  await migrate(kysely)
  return new Db(kysely, 'sqlite')
}

/**
 * Kysely's SQLite driver prepares every query anew; preparing costs more than running the small queries
 * labgate makes, so prepared statements are kept by SQL text (a bounded set: queries are built from a
 * fixed set of shapes). Safe because better-sqlite3 runs one statement at a time, synchronously.
 */
function withStatementCache(sqlite: SQLite.Database) {
  const cache = new Map<string, SQLite.Statement>()
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let stmt = cache.get(sql)
      if (!stmt) {
        if (cache.size >= 1000) cache.clear()
        stmt = sqlite.prepare(sql)
        cache.set(sql, stmt)
      }
      return stmt
    },
  }
}

/**
 * Opens the PostgreSQL database at `url` (a `postgres://` connection string) with a connection pool and
 * runs pending migrations. 64-bit integers (times in ms) come back as numbers.
 */
export async function openPostgres(url: string, opts: { max?: number } = {}): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10 })
  pool.on('error', () => {}) // an idle client's connection dropped: the pool replaces it
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool: nulGuardedPool(pool) }) })
  await migrate(kysely)
  return new Db(kysely, 'postgres', new PgNotifier(url, pool))
}

// bigint (int8) columns hold epoch milliseconds, well within Number's exact range.
pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v))

/** Runs every pending migration; throws naming the one that failed. */
export async function migrate(kysely: Kysely<Database>): Promise<void> {
  const { error, results } = await new Migrator({ db: kysely, provider }).migrateToLatest()
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown'
    throw new Error(`database migration ${failed} failed: ${(error as Error).message ?? String(error)}`)
  }
}
