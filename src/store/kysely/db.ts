/**
 * One open database and everything kept in memory for it: the compiled hot queries, the SQLite group
 * commit, the committed-row caches and the parsed environment settings. Every store built over the
 * database shares this one object, and nothing of it outlives the database: a second database opened in
 * the same process starts with empty caches of its own.
 */
import type { Kysely, Transaction } from 'kysely'
import { LocalNotifier, type Notifier } from '../notifier.js'
import type { PortalWorkshop } from '../../config/types.js'
import type { Environment, Session } from '../rows.js'
import { CompiledQueries } from './compiled-queries.js'
import { GroupCommit } from './group-commit.js'
import { RowCache } from './row-cache.js'
import type { Database } from './schema.js'

/** Committed rows of one SQLite database kept in memory (see `RowCache` for why only SQLite). */
export interface RowCaches {
  sessions: RowCache<Session>
  environments: RowCache<Environment>
}

/** Parsed settings kept at most, per kind of cache; a full cache is emptied and refills. */
const SETTINGS_KEPT = 1000

/** An open database: the Kysely handle, its dialect, and the state kept for it. */
export class Db {
  /** Hot queries compiled once for this database (see `CompiledQueries`). */
  readonly queries = new CompiledQueries()
  /** Row caches; null for PostgreSQL, where other replicas write too. */
  readonly rowCaches: RowCaches | null
  /** Committed environments' settings by name (settings never change; see `Store`). */
  readonly #settings = new Map<string, PortalWorkshop>()
  /** Parsed settings by environment name, with the text they came from. */
  readonly #parsed = new Map<string, { text: string; settings: PortalWorkshop }>()
  #group: GroupCommit<Database, Transaction<Database>> | null = null

  constructor(
    readonly kysely: Kysely<Database>,
    readonly dialect: 'sqlite' | 'postgres',
    /** Notices between the processes on this database (in-process only for SQLite). */
    readonly notifier: Notifier = new LocalNotifier(),
  ) {
    this.rowCaches = dialect === 'sqlite' ? { sessions: new RowCache(), environments: new RowCache() } : null
  }

  /**
   * Runs `fn` in a transaction and resolves once its writes are durable; rejects with its error (its
   * writes undone) or the commit's. On SQLite it joins the database's group commit (`GroupCommit`), so a
   * write does not pay a durable commit (one fsync, blocking the event loop) of its own; on PostgreSQL it
   * is a transaction of its own. Given an open transaction `on`, runs `fn` in it.
   */
  commit<T>(fn: (trx: Kysely<Database>) => Promise<T>, on: Kysely<Database> = this.kysely): Promise<T> {
    if (on.isTransaction) return fn(on)
    const started = performance.now()
    let done: Promise<T>
    if (this.dialect !== 'sqlite') done = on.transaction().execute(fn)
    else {
      this.#group ??= new GroupCommit<Database, Transaction<Database>>(this.kysely, (trx) => trx)
      done = this.#group.run(fn)
    }
    const observe = this.onCommit
    if (!observe) return done
    const report = () => observe((performance.now() - started) / 1000)
    done.then(report, report)
    return done
  }

  /**
   * Told how many seconds each `commit` took from being asked for until it settled (durable or failed),
   * queueing for the group commit included; unset = not measured. Commits inside a caller's transaction
   * are part of that one and are not reported on their own.
   */
  onCommit: ((seconds: number) => void) | null = null

  /** The settings kept for environment `name`, if any. */
  keptSettings(name: string): PortalWorkshop | undefined {
    return this.#settings.get(name)
  }

  /** Keeps committed settings of environment `name`. */
  keepSettings(name: string, settings: PortalWorkshop): void {
    if (this.#settings.size >= SETTINGS_KEPT) this.#settings.clear()
    this.#settings.set(name, settings)
  }

  /**
   * An environment's settings, parsed once: its settings text is written when it is created and never
   * changed, yet is read on every request. The text is compared on every hit, so a changed text is
   * parsed anew. The result is deeply frozen, since it is shared.
   */
  parseSettings(name: string, text: string): PortalWorkshop {
    const hit = this.#parsed.get(name)
    if (hit && hit.text === text) return hit.settings
    const settings = deepFreeze(JSON.parse(text) as PortalWorkshop)
    if (this.#parsed.size >= SETTINGS_KEPT) this.#parsed.clear()
    this.#parsed.set(name, { text, settings })
    return settings
  }

  /** Closes the database (its pool, for PostgreSQL). */
  async close(): Promise<void> {
    await this.notifier.close()
    await this.kysely.destroy()
  }
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v)
    for (const child of Object.values(v)) deepFreeze(child)
  }
  return v
}
