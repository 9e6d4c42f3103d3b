/**
 * One committer per SQLite database: the store's transactions and the writes made on the Kysely handle
 * directly (OAuth clients, grants) share its group commit, so a write outside the `Store` does not pay
 * a durable commit of its own (one fsync, blocking the event loop) while allocations share theirs.
 */
import { type Kysely, SqliteAdapter, type Transaction } from 'kysely'
import { GroupCommit } from './group-commit.js'
import type { Database } from './schema.js'

const groups = new WeakMap<Kysely<Database>, GroupCommit<Database, Transaction<Database>>>()

/**
 * Runs `fn` in a transaction of `db` and resolves once its writes are durable; rejects with its error
 * (its writes undone) or the commit's. On SQLite it joins the database's group commit (`GroupCommit`);
 * on PostgreSQL it is a transaction of its own. Given a transaction, runs `fn` in it.
 */
export function sharedCommit<T>(db: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db)
  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) return db.transaction().execute(fn)
  let g = groups.get(db)
  if (!g) groups.set(db, (g = new GroupCommit<Database, Transaction<Database>>(db, (trx) => trx)))
  return g.run(fn)
}
