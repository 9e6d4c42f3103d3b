/**
 * Hot queries built once. Building and compiling a query with Kysely costs tens of microseconds, more
 * than running the small indexed queries labgate makes on SQLite, and an allocation makes a dozen. So
 * the store builds each hot query once per dialect with a placeholder for each argument, keeps the SQL
 * text, and afterwards only substitutes the arguments: the same SQL, run through the same Kysely
 * connection (or transaction) as a built query.
 */
import { CompiledQuery, type Compilable, type Kysely } from 'kysely'

/** What a placeholder is while a query is built; never a value a caller passes. */
const MARK = '\u0000labgate-argument:'

/** Stands for argument `i` while a query is built: `where('name', '=', arg(0))`. */
export type Arg = <T>(i: number) => T

const arg: Arg = <T>(i: number) => `${MARK}${i}` as T

/** A parameter of the compiled SQL: an argument by position, or a constant the builder put there. */
type Slot = { arg: number } | { value: unknown }

interface Template {
  sql: string
  slots: Slot[]
}

/** Thrown when a query cannot be compiled once (an argument ended up in the SQL text itself). */
export class QueryTemplateError extends Error {
  readonly code = 'query_template'
}

/** Compiled hot queries by name. One instance per open database (`Db.queries`), shared by its stores. */
export class CompiledQueries {
  readonly #templates = new Map<string, Template>()

  /**
   * Runs the query named `key` with `args`: built by `build` (with `arg(i)` for `args[i]`) the first time
   * this key is asked for, from the stored SQL afterwards. `key` must name one shape of query: a builder
   * that builds different SQL for different arguments needs a key per shape. Resolves with the rows (for
   * statements without `returning`, an empty list); database errors propagate as Kysely's do.
   */
  async run<R, DB>(
    db: Kysely<DB>,
    key: string,
    args: readonly unknown[],
    build: (arg: Arg) => Compilable<R>,
  ): Promise<R[]> {
    let t = this.#templates.get(key)
    if (!t) {
      t = compileTemplate(build(arg).compile(), key)
      this.#templates.set(key, t)
    }
    const parameters = t.slots.map((s) => ('arg' in s ? args[s.arg] : s.value))
    const r = await db.executeQuery<R>(CompiledQuery.raw(t.sql, parameters))
    return r.rows
  }

  /** Queries compiled so far (for tests). */
  get size(): number {
    return this.#templates.size
  }
}

function compileTemplate(q: CompiledQuery<unknown>, key: string): Template {
  if (q.sql.includes(MARK)) throw new QueryTemplateError(`query ${key}: an argument was inlined into its SQL`)
  const slots = q.parameters.map((p): Slot => {
    if (typeof p === 'string' && p.startsWith(MARK)) return { arg: Number(p.slice(MARK.length)) }
    if (typeof p === 'string' && p.includes(MARK))
      throw new QueryTemplateError(`query ${key}: an argument was changed while building`)
    return { value: p }
  })
  return { sql: q.sql, slots }
}

/** `row` with each value replaced by its argument's placeholder, in order: pass `Object.values(row)` as the arguments. */
export function placeholders<T extends object>(row: T, a: Arg, offset = 0): T {
  return Object.fromEntries(Object.keys(row).map((k, i) => [k, a(offset + i)])) as T
}
