/**
 * Committed session rows kept in memory for `getSession`, the hottest read there is: robots poll
 * `schedule`, every open dashboard polls its own, and each gateway request looks its session up.
 *
 * Correct only where this process is the one writer of the database's sessions and no read can see
 * another transaction's uncommitted writes: SQLite, whose Kysely driver runs everything on one
 * connection behind a mutex (a read waits while a transaction is open). The store then empties an
 * entry on every write to its session, inside or outside a transaction; a read that started before a
 * write does not fill the cache (a generation counter), so what is kept is never older than what the
 * database holds.
 */
import type { Session } from './rows.js'

/** Sessions kept at most; the cache is emptied when full (it refills with the sessions in use). */
const MAX_ENTRIES = 20_000

export class SessionCache {
  readonly #rows = new Map<string, Session>()
  /** Bumped by every write; a read that began in an older generation does not fill. */
  #generation = 0

  /** The kept row of session `name`, frozen; undefined when none is kept. */
  get(name: string): Session | undefined {
    return this.#rows.get(name)
  }

  /** Call just before reading from the database; pass the result to `fill`. */
  begin(): number {
    return this.#generation
  }

  /**
   * Keeps `row`, read from committed data after `begin()` returned `generation`, unless a write came
   * in between. Freezes it (and its JSON fields): callers share it. Returns the row.
   */
  fill(generation: number, row: Session): Session {
    Object.freeze(row.params)
    if (row.handle) Object.freeze(row.handle)
    Object.freeze(row)
    if (generation !== this.#generation) return row
    if (this.#rows.size >= MAX_ENTRIES) this.#rows.clear()
    this.#rows.set(row.name, row)
    return row
  }

  /** Session `name` is being written (or was): forget it. */
  invalidate(name: string): void {
    this.#generation++
    this.#rows.delete(name)
  }

  /** Sessions were written that cannot be named (a purge): forget every one. */
  clear(): void {
    this.#generation++
    this.#rows.clear()
  }

  /** Rows kept (for tests). */
  get size(): number {
    return this.#rows.size
  }
}
