/**
 * Group commit for SQLite. A durable commit (WAL, `synchronous=FULL`) costs one fsync, about 1.7 ms on
 * this kind of disk, which caps one-at-a-time transactions near 600 per second however little each one
 * writes. Transactions that arrive while one is committing are queued and then run together inside one
 * SQLite transaction, each in its own savepoint, and share a single commit (one fsync). Each caller still
 * gets all-or-nothing for its own function: a function that throws has its savepoint rolled back and
 * gets its own error, the others commit. No caller's promise settles before the commit that holds its
 * writes is durable (or has failed, which fails every function of the group).
 */
import { CompiledQuery, type Kysely, type Transaction } from 'kysely'

interface Job<S> {
  fn: (tx: S) => Promise<unknown>
  resolve: (v: unknown) => void
  reject: (e: unknown) => void
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown }

// Built once: each member of a group runs all three.
const SAVEPOINT = CompiledQuery.raw('savepoint group_member')
const ROLLBACK_TO = CompiledQuery.raw('rollback to savepoint group_member')
const RELEASE = CompiledQuery.raw('release savepoint group_member')

/** The most transactions committed together (bounds how long one group holds the writer). */
export const MAX_GROUP = 64

/** Runs transactions over one SQLite database in groups; one per database. */
export class GroupCommit<DB, S> {
  readonly #queue: Job<S>[] = []
  #draining = false
  /** Groups of several committed so far, transactions in them, and transactions that ran alone. */
  readonly stats = { groups: 0, transactions: 0, solo: 0 }

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
      if (this.#draining) return
      this.#draining = true
      // better-sqlite3 is synchronous, so a request runs from its arrival to its commit without letting
      // another one in. Starting the group in the event loop's check phase lets every request that came in
      // the same I/O phase reach this queue first.
      setImmediate(() => void this.#drain())
    })
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const { group, outcomes } = await this.#commitNext()
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

  /**
   * Opens one SQLite transaction and only then takes the waiting functions: Kysely's SQLite driver has
   * one connection behind a mutex, so reads queued before the transaction run first, and the
   * transactions their callers then ask for join this group instead of waiting for the next one.
   * Returns the group and the outcome of each of its functions, in order.
   */
  async #commitNext(): Promise<{ group: Job<S>[]; outcomes: Outcome[] }> {
    let group: Job<S>[] = []
    const outcomes: Outcome[] = []
    try {
      await this.db.transaction().execute(async (trx) => {
        group = this.#queue.splice(0, MAX_GROUP)
        const tx = this.wrap(trx)
        if (group.length === 1) {
          // alone: no savepoint needed, an error rolls the whole transaction back
          outcomes.push({ ok: true, value: await group[0]!.fn(tx) })
          return
        }
        for (const job of group) {
          await trx.executeQuery(SAVEPOINT)
          try {
            outcomes.push({ ok: true, value: await job.fn(tx) })
          } catch (error) {
            await trx.executeQuery(ROLLBACK_TO)
            outcomes.push({ ok: false, error })
          }
          await trx.executeQuery(RELEASE)
        }
      })
    } catch (error) {
      // A lone function's own error comes through here (its transaction rolled back); otherwise the
      // commit itself, or a savepoint statement, failed and nothing of the group is durable. When not even
      // the transaction began (a closed database), the waiting functions get its error: left queued, they
      // would be retried at once, forever.
      if (group.length === 0) group = this.#queue.splice(0, MAX_GROUP)
      return { group, outcomes: group.map(() => ({ ok: false as const, error })) }
    }
    if (group.length === 1) this.stats.solo++
    else {
      this.stats.groups++
      this.stats.transactions += group.length
    }
    return { group, outcomes }
  }
}
