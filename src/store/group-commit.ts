/**
 * Group commit for SQLite. A durable commit (WAL, `synchronous=FULL`) costs one fsync, about 1.7 ms on
 * this kind of disk, which caps one-at-a-time transactions near 600 per second however little each one
 * writes. Transactions that arrive while one is committing are queued and then run together inside one
 * SQLite transaction, each in its own savepoint, and share a single commit (one fsync). Each caller still
 * gets all-or-nothing for its own function: a function that throws has its savepoint rolled back and
 * gets its own error, the others commit. No caller's promise settles before the commit that holds its
 * writes is durable (or has failed, which fails every function of the group).
 */
import { type Kysely, sql, type Transaction } from 'kysely'

interface Job<S> {
  fn: (tx: S) => Promise<unknown>
  resolve: (v: unknown) => void
  reject: (e: unknown) => void
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown }

/** The most transactions committed together (bounds how long one group holds the writer). */
export const MAX_GROUP = 64

/** Runs transactions over one SQLite database in groups; one per database. */
export class GroupCommit<DB, S> {
  readonly #queue: Job<S>[] = []
  #draining = false
  /** Groups committed so far, and transactions in them (for tests and benchmarks). */
  readonly stats = { groups: 0, transactions: 0 }

  /** `wrap` turns the group's Kysely transaction into what each function is given (a `Store`). */
  constructor(
    private readonly db: Kysely<DB>,
    private readonly wrap: (trx: Transaction<DB>) => S,
  ) {}

  /**
   * Runs `fn` in a transaction shared with whatever else is waiting; resolves with its result once the
   * group has committed, rejects with its own error (its writes undone) or with the commit's error.
   */
  run<T>(fn: (tx: S) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ fn, resolve: resolve as (v: unknown) => void, reject })
      if (!this.#draining) void this.#drain()
    })
  }

  async #drain(): Promise<void> {
    this.#draining = true
    try {
      while (this.#queue.length > 0) {
        const group = this.#queue.splice(0, MAX_GROUP)
        const outcomes = await this.#commit(group)
        group.forEach((job, i) => {
          const o = outcomes[i]!
          if (o.ok) job.resolve(o.value)
          else job.reject(o.error)
        })
      }
    } finally {
      this.#draining = false
    }
  }

  /** One SQLite transaction for the whole group; the outcome of each function, in order. */
  async #commit(group: Job<S>[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = []
    if (group.length === 1) {
      // alone: no savepoint needed, an error rolls the transaction back
      try {
        const value = await this.db.transaction().execute((trx) => group[0]!.fn(this.wrap(trx)))
        outcomes.push({ ok: true, value })
      } catch (error) {
        outcomes.push({ ok: false, error })
      }
      return outcomes
    }
    try {
      await this.db.transaction().execute(async (trx) => {
        const tx = this.wrap(trx)
        for (const job of group) {
          await sql`savepoint group_member`.execute(trx)
          try {
            outcomes.push({ ok: true, value: await job.fn(tx) })
          } catch (error) {
            await sql`rollback to savepoint group_member`.execute(trx)
            outcomes.push({ ok: false, error })
          }
          await sql`release savepoint group_member`.execute(trx)
        }
      })
      this.stats.groups++
      this.stats.transactions += group.length
    } catch (error) {
      // the commit itself (or a savepoint statement) failed: nothing of the group is durable
      return group.map(() => ({ ok: false, error }))
    }
    return outcomes
  }
}
