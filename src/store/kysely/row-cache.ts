/**
 * Committed rows kept in memory by name, for the hottest reads there are: `getSession` (robots poll
 * `schedule`, every open dashboard polls its own, each gateway request looks its session up) and
 * `getEnvironment` (every allocation and session start).
 *
 * Correct only where this process is the one writer of those rows and no read can see another
 * transaction's uncommitted writes: SQLite, whose Kysely driver runs everything on one connection behind
 * a mutex (a read waits while a transaction is open). The store then drops an entry after every write
 * to its row, inside or outside a transaction; a read that started before a write does not fill the
 * cache (a generation counter), so what is kept is never older than what the database holds.
 */

/** Rows kept at most; the cache is emptied when full (it refills with the rows in use). */
const MAX_ENTRIES = 20_000

export class RowCache<T extends { name: string }> {
  readonly #rows = new Map<string, T>()
  /** Bumped by every write; a read that began in an older generation does not fill. */
  #generation = 0

  /** The kept row `name`, frozen; undefined when none is kept. */
  get(name: string): T | undefined {
    return this.#rows.get(name)
  }

  /** Call just before reading from the database; pass the result to `fill`. */
  begin(): number {
    return this.#generation
  }

  /**
   * Keeps `row`, read from committed data after `begin()` returned `generation`, unless a write came
   * in between. Freezes it and the objects it holds (its JSON fields): callers share it. Returns it.
   */
  fill(generation: number, row: T): T {
    for (const v of Object.values(row)) if (v !== null && typeof v === 'object') Object.freeze(v)
    Object.freeze(row)
    if (generation !== this.#generation) return row
    if (this.#rows.size >= MAX_ENTRIES) this.#rows.clear()
    this.#rows.set(row.name, row)
    return row
  }

  /** Row `name` was written: forget it. */
  invalidate(name: string): void {
    this.#generation++
    this.#rows.delete(name)
  }

  /** Rows were written that cannot be named (a purge): forget every one. */
  clear(): void {
    this.#generation++
    this.#rows.clear()
  }

  /** Rows kept (for tests). */
  get size(): number {
    return this.#rows.size
  }
}
