import { type Compilable, type Kysely, sql } from 'kysely'
import { conflict } from '../../domain/errors.js'
import { HOLDS_CAPACITY, RESERVE, transitionSources } from '../../domain/session-states.js'
import type { SessionCounts } from '../../domain/allocation.js'
import type { PortalWorkshop } from '../../config/types.js'
import type { EnvironmentState, SessionState, UserKind } from '../../domain/types.js'
import type { Session } from '../rows.js'
import type { AppEvent, NewSession, SessionPageFilter, Store } from '../store.js'
import { placeholders, type Arg } from './compiled-queries.js'
import type { Db, RowCaches } from './db.js'
import type { RowCache } from './row-cache.js'
import { sessionColumns, toEnvironment, toSession, toUser } from './row-mapping.js'
import type { Database } from './schema.js'

const pad = (n: number, width: number) => String(n).padStart(width, '0')

/** True when `e` is a database's unique-constraint violation (SQLite or PostgreSQL). */
export function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string }
  return (
    err.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    err.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    err.code === '23505'
  )
}

/**
 * The `Store` over Kysely, for SQLite and PostgreSQL alike. Built by `openStore`; every store of one
 * database shares its `Db` (caches, compiled queries, group commit). Counts are of sessions holding capacity
 * (STARTING, WAITING or RUNNING): a STOPPING session no longer holds capacity (its sandbox is going away).
 */
export class KyselyStore implements Store {
  constructor(
    private readonly base: Db,
    /** The handle queries run on: the database's, or the open transaction's. */
    private readonly db: Kysely<Database> = base.kysely,
    private readonly inTransaction = false,
  ) {}

  /** The row caches to keep current (null for PostgreSQL, where other replicas write too). */
  #caches(): RowCaches | null {
    return this.base.rowCaches
  }

  #sessions(): RowCache<Session> | null {
    return this.#caches()?.sessions ?? null
  }

  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this)
    // SQLite: in the database's group commit
    return this.base.commit((trx) => fn(new KyselyStore(this.base, trx, true)))
  }

  /** Runs the hot query `key` (one shape of query per key) with `args`; see `CompiledQueries.run`. */
  #run<R>(key: string, args: readonly unknown[], build: (a: Arg) => Compilable<R>): Promise<R[]> {
    return this.base.queries.run(this.db, key, args, build)
  }

  /**
   * Row `name`, mapped by `map` from what `read` returns (undefined: no such row). Outside a transaction
   * the read is of committed data, which `cache` answers from or keeps; inside one it reads straight.
   */
  async #readThrough<R extends { name: string }, Row>(
    cache: RowCache<R> | null | undefined,
    name: string,
    map: (row: Row) => R,
    read: () => Promise<Row | undefined>,
  ): Promise<R | null> {
    const c = this.inTransaction ? null : cache
    const hit = c?.get(name)
    if (hit) return hit
    const generation = c?.begin() ?? 0
    const row = await read()
    if (!row) return null
    return c ? c.fill(generation, map(row)) : map(row)
  }

  /**
   * Runs `write`, a statement that changes rows of `cache`'s table, then drops from the cache the row it
   * changed: `which` names it, or finds it in the result (null there: none changed), or is null for
   * "any number of them" (every kept session is dropped, as after a failed statement of that kind).
   * Dropping after the statement also discards whatever a read that ran just before it kept.
   */
  async #write<T, R extends { name: string }>(
    cache: RowCache<R> | null | undefined,
    which: string | null | ((result: T) => string | null),
    write: () => Promise<T>,
  ): Promise<T> {
    let changed: string | null = typeof which === 'function' ? null : which
    try {
      const result = await write()
      // '' names no session: the cache then only refuses the fills of reads that ran before
      if (typeof which === 'function') changed = which(result) ?? ''
      return result
    } finally {
      if (changed === null) cache?.clear()
      else cache?.invalidate(changed)
    }
  }

  async lockPortal(portal: string) {
    if (this.base.dialect !== 'postgres') return
    if (!this.inTransaction) throw new Error('lockPortal must be called inside a transaction')
    await sql`select pg_advisory_xact_lock(hashtext(${`labgate:portal:${portal}`}))`.execute(this.db)
  }

  async getUser(id: string) {
    const [r] = await this.#run('getUser', [id], (a) =>
      this.db.selectFrom('users').selectAll().where('id', '=', a<string>(0)),
    )
    return r ? toUser(r) : null
  }

  async getUserByUsername(username: string) {
    const r = await this.db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username)
      .executeTakeFirst()
    return r ? toUser(r) : null
  }

  async getUsers(ids: readonly string[]) {
    if (ids.length > 1000) throw new Error('getUsers takes at most 1000 ids')
    const unique = [...new Set(ids)]
    if (unique.length === 0) return []
    const rows = await this.db.selectFrom('users').selectAll().where('id', 'in', unique).execute()
    return rows.map(toUser)
  }

  async searchUsers(query: string, opts: { excludeId: string; kinds: readonly UserKind[]; limit: number }) {
    if (opts.kinds.length === 0 || opts.limit <= 0) return []
    const pattern = `%${query.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`
    const like = (column: ReturnType<typeof sql>) =>
      sql<boolean>`lower(${column}) like ${pattern} escape '\\'`
    const rows = await this.db
      .selectFrom('users')
      .selectAll()
      .where('id', '!=', opts.excludeId)
      .where('kind', 'in', [...opts.kinds])
      .where((eb) =>
        eb.or([
          like(sql`coalesce(first_name, '') || ' ' || coalesce(last_name, '')`),
          like(sql`coalesce(email, '')`),
          like(sql`coalesce(username, '')`),
        ]),
      )
      .orderBy('id')
      .limit(opts.limit)
      .execute()
    return rows.map(toUser)
  }

  async createUser(u: {
    id: string
    kind: UserKind
    username?: string | null
    email?: string | null
    firstName?: string | null
    lastName?: string | null
    at: number
  }) {
    const row = {
      id: u.id,
      username: u.username ?? null,
      kind: u.kind,
      email: u.email ?? null,
      first_name: u.firstName ?? null,
      last_name: u.lastName ?? null,
      password_hash: null,
      created_at: u.at,
      updated_at: u.at,
    }
    try {
      await this.#run('createUser', Object.values(row), (a) =>
        this.db.insertInto('users').values(placeholders(row, a)),
      )
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict(`user ${u.id} already exists`)
      throw e
    }
    return toUser(row)
  }

  async updateUserDetails(
    id: string,
    d: { email?: string; firstName?: string; lastName?: string },
    at: number,
  ) {
    const set: Record<string, string | number> = {}
    if (d.email !== undefined) set.email = d.email
    if (d.firstName !== undefined) set.first_name = d.firstName
    if (d.lastName !== undefined) set.last_name = d.lastName
    if (Object.keys(set).length > 0) {
      await this.db
        .updateTable('users')
        .set({ ...set, updated_at: at })
        .where('id', '=', id)
        .execute()
    }
    return this.getUser(id)
  }

  async setUserDisabled(id: string, disabled: boolean, at: number) {
    await this.db
      .updateTable('users')
      .set({ disabled: disabled ? 1 : 0, updated_at: at })
      .where('id', '=', id)
      .execute()
    return this.getUser(id)
  }

  async listEnvironments(filter: { portal?: string; states?: EnvironmentState[] } = {}) {
    // One compiled shape per (portal or not, set of states): the states, a few of a fixed set, are part of
    // the key and of the SQL; sorted and without repeats, at most 2 × 16 shapes.
    const states = [...new Set(filter.states ?? [])].sort()
    const portal = filter.portal
    const key = `listEnvironments:${portal ? 'portal' : 'any'}:${states.join(',')}`
    const rows = await this.#run(key, portal ? [portal] : [], (a) => {
      let q = this.db.selectFrom('environments').selectAll()
      if (portal) q = q.where('portal', '=', a<string>(0))
      if (states.length) q = q.where('state', 'in', states)
      return q.orderBy('created_at').orderBy('name')
    })
    return rows.map((r) => toEnvironment(r, this.base))
  }

  async getEnvironment(name: string) {
    return this.#readThrough(
      this.#caches()?.environments,
      name,
      (r) => toEnvironment(r, this.base),
      async () => {
        const [r] = await this.#run('getEnvironment', [name], (a) =>
          this.db.selectFrom('environments').selectAll().where('name', '=', a<string>(0)),
        )
        return r
      },
    )
  }

  async getEnvironmentSettings(name: string) {
    // Only what was read outside a transaction is kept: a transaction's read may still be rolled back.
    const hit = this.inTransaction ? undefined : this.base.keptSettings(name)
    if (hit) return hit
    const env = await this.getEnvironment(name)
    if (!env) return null
    if (!this.inTransaction) this.base.keepSettings(name, env.settings)
    return env.settings
  }

  async createEnvironment(e: {
    portal: string
    workshop: string
    settings: PortalWorkshop
    state: EnvironmentState
    at: number
  }) {
    const n = await this.nextSequence(`environment:${e.portal}`)
    const row = {
      name: `${e.portal}-w${pad(n, 2)}`,
      portal: e.portal,
      workshop: e.workshop,
      state: e.state,
      settings: JSON.stringify(e.settings),
      definition_hash: e.settings.definitionHash,
      created_at: e.at,
      stopped_at: null,
    }
    await this.#write(this.#caches()?.environments, row.name, () =>
      this.db.insertInto('environments').values(row).execute(),
    )
    return toEnvironment(row, this.base)
  }

  async setEnvironmentState(name: string, state: EnvironmentState, at: number) {
    await this.#write(this.#caches()?.environments, name, () =>
      this.db
        .updateTable('environments')
        .set({ state, stopped_at: state === 'STOPPED' ? at : null })
        .where('name', '=', name)
        .execute(),
    )
  }

  async getSession(name: string) {
    return this.#readThrough(this.#sessions(), name, toSession, async () => {
      const [r] = await this.#run('getSession', [name], (a) =>
        this.db.selectFrom('sessions').selectAll().where('name', '=', a<string>(0)),
      )
      return r
    })
  }

  async listSessions(
    filter: {
      environment?: string
      owner?: string
      portal?: string
      states?: readonly SessionState[]
      replica?: string
    } = {},
  ) {
    let q = this.db.selectFrom('sessions').selectAll()
    const replica = filter.replica
    if (replica !== undefined)
      q = q.where((eb) => eb.or([eb('replica', '=', replica), eb('replica', 'is', null)]))
    if (filter.environment) q = q.where('environment', '=', filter.environment)
    if (filter.owner) q = q.where('owner', '=', filter.owner)
    if (filter.portal) q = q.where('portal', '=', filter.portal)
    if (filter.states?.length) q = q.where('state', 'in', [...filter.states])
    const rows = await q.orderBy('created_at').orderBy('name').execute()
    return rows.map(toSession)
  }

  async pageSessions(filter: SessionPageFilter, page: { limit: number; offset: number }) {
    let base = this.db.selectFrom('sessions')
    if (filter.portal) base = base.where('portal', '=', filter.portal)
    if (filter.states?.length) base = base.where('state', 'in', [...filter.states])
    if (filter.environment) base = base.where('environment', '=', filter.environment)
    if (filter.workshop) base = base.where('workshop', '=', filter.workshop)
    if (filter.owner) base = base.where('owner', '=', filter.owner)
    const limit = Math.max(0, Math.floor(page.limit))
    const offset = Math.max(0, Math.floor(page.offset))
    const [rows, count] = await Promise.all([
      limit > 0
        ? base
            .selectAll()
            .orderBy('created_at', 'desc')
            .orderBy('name', 'desc')
            .limit(limit)
            .offset(offset)
            .execute()
        : Promise.resolve([]),
      base.select((eb) => eb.fn.countAll<number | string | bigint>().as('n')).executeTakeFirst(),
    ])
    return { sessions: rows.map(toSession), total: Number(count?.n ?? 0) }
  }

  async createSession(s: NewSession) {
    const n = await this.nextSequence(`session:${s.environment}`)
    const row = {
      name: `${s.environment}-s${pad(n, 3)}`,
      environment: s.environment,
      portal: s.portal,
      workshop: s.workshop,
      state: s.state,
      owner: s.owner,
      reserved: s.reserved ? 1 : 0,
      via_api: s.viaApi ? 1 : 0,
      created_at: s.createdAt,
      allocated_at: s.allocatedAt,
      activated_at: null,
      started_at: s.startedAt,
      expires_at: s.expiresAt,
      time_allowed: s.timeAllowed ?? 0,
      secret_nonce: s.secretNonce,
      index_url: s.indexUrl,
      analytics_url: s.analyticsUrl,
      params: JSON.stringify(s.params),
      handle: null,
      backend: s.backend,
      replica: s.replica ?? null,
      last_activity_at: null,
      last_view_at: null,
      stopping_at: null,
      stopped_at: null,
      stop_reason: null,
      version: 0,
    }
    await this.#write(this.#sessions(), row.name, () =>
      this.#run('createSession', Object.values(row), (a) =>
        this.db.insertInto('sessions').values(placeholders(row, a)),
      ),
    )
    return toSession(row)
  }

  async takeReserve(environment: string, patch: Partial<Session> & { owner: string }) {
    const set = sessionColumns({ ...patch, state: 'RUNNING' })
    const n = Object.keys(set).length
    const [r] = await this.#write(
      this.#sessions(),
      (rows) => rows[0]?.name ?? null,
      () =>
        this.#run(`takeReserve:${Object.keys(set).join()}`, [...Object.values(set), environment], (a) => {
          const oldest = this.db
            .selectFrom('sessions')
            .select('name')
            .where('environment', '=', a<string>(n))
            .where('state', '=', 'WAITING')
            .where('owner', 'is', null)
            .orderBy('created_at')
            .orderBy('name')
            .limit(1)
          return this.db
            .updateTable('sessions')
            .set({ ...placeholders(set, a), version: sql`version + 1` })
            .where('name', '=', (eb) => eb.selectFrom(oldest.as('o')).select('o.name'))
            .where('state', '=', 'WAITING')
            .where('owner', 'is', null)
            .returningAll()
        }),
    )
    return r ? toSession(r) : null
  }

  async updateSession(
    name: string,
    patch: Partial<Session>,
    states?: readonly SessionState[],
    version?: number,
  ) {
    const set = sessionColumns(patch)
    const n = Object.keys(set).length
    // A state change may only come from the states the transition table allows.
    const inStates = patch.state ? transitionSources(name, patch.state, states) : (states ?? [])
    const args = [...Object.values(set), name, ...inStates, version]
    const key = `updateSession:${Object.keys(set).join()}:${inStates.length}:${version !== undefined}`
    const [r] = await this.#write(this.#sessions(), name, () =>
      this.#run(key, args, (a) => {
        let q = this.db
          .updateTable('sessions')
          .set({ ...placeholders(set, a), version: sql`version + 1` })
          .where('name', '=', a<string>(n))
        if (inStates.length)
          q = q.where(
            'state',
            'in',
            inStates.map((_, i) => a<SessionState>(n + 1 + i)),
          )
        if (version !== undefined) q = q.where('version', '=', a<number>(n + 1 + inStates.length))
        return q.returningAll()
      }),
    )
    return r ? toSession(r) : null
  }

  async findHoldingSession(owner: string, environment: string) {
    // A user has few such sessions: the newest is picked here, since sorting them in SQLite (a temporary
    // b-tree) cost ten times the indexed lookup.
    const rows = await this.#run('findHoldingSession', [owner, environment], (a) =>
      this.db
        .selectFrom('sessions')
        .selectAll()
        .where('owner', '=', a<string>(0))
        .where('environment', '=', a<string>(1))
        .where('state', 'in', [...HOLDS_CAPACITY]),
    )
    let newest = rows[0]
    for (const r of rows) if (Number(r.created_at) > Number(newest!.created_at)) newest = r
    return newest ? toSession(newest) : null
  }

  async countSessions(portal: string): Promise<SessionCounts> {
    // Read from live_counts, which triggers keep in step with the sessions: a few rows per environment,
    // however many sessions there are.
    const rows = await this.#run('countSessions', [portal], (a) =>
      this.db
        .selectFrom('live_counts')
        .select(['environment', 'state', 'owned', 'n'])
        .where('portal', '=', a<string>(0))
        .where('n', '>', 0),
    )
    const environments: SessionCounts['environments'] = new Map()
    let portalHolding = 0
    for (const r of rows) {
      const n = Number(r.n)
      const c = environments.get(r.environment) ?? { holding: 0, waiting: 0, unallocated: 0, allocated: 0 }
      c.holding += n
      if (Number(r.owned)) c.allocated += n
      else {
        c.unallocated += n
        if (r.state === 'WAITING') c.waiting += n
      }
      environments.set(r.environment, c)
      portalHolding += n
    }
    return { portalHolding, environments }
  }

  async countSessionsByState(portal: string) {
    const rows = await this.db
      .selectFrom('sessions')
      .select(['environment', 'state', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('portal', '=', portal)
      .groupBy(['environment', 'state'])
      .execute()
    return rows.map((r) => ({
      environment: r.environment,
      state: r.state as SessionState,
      count: Number(r.n),
    }))
  }

  async countUserSessions(portal: string, owner: string) {
    // The owner's few sessions are counted here: with the portal in the condition, SQLite counts through
    // the portal's live-count index, every session of the portal holding capacity, not the owner's few.
    const rows = await this.#run('countUserSessions', [owner], (a) =>
      this.db
        .selectFrom('sessions')
        .select('portal')
        .where('owner', '=', a<string>(0))
        .where('state', 'in', [...HOLDS_CAPACITY]),
    )
    return rows.filter((r) => r.portal === portal).length
  }

  async oldestReserve(portal: string, exceptEnvironment?: string) {
    let q = this.db
      .selectFrom('sessions')
      .selectAll()
      .where('portal', '=', portal)
      .where('owner', 'is', null)
      .where('state', 'in', [...RESERVE])
    if (exceptEnvironment) q = q.where('environment', '!=', exceptEnvironment)
    const r = await q.orderBy('created_at').orderBy('name').limit(1).executeTakeFirst()
    return r ? toSession(r) : null
  }

  async purgeStopped(before: number) {
    const r = await this.#write(this.#sessions(), null, () =>
      this.db
        .deleteFrom('sessions')
        .where('state', '=', 'STOPPED')
        .where('stopped_at', '<', before)
        .executeTakeFirst(),
    )
    return Number(r.numDeletedRows)
  }

  async appendEvent(e: AppEvent) {
    const row = {
      at: e.at,
      name: e.name,
      user_id: e.userId ?? null,
      session: e.session ?? null,
      environment: e.environment ?? null,
      workshop: e.workshop ?? null,
      data: JSON.stringify(e.data ?? {}),
    }
    await this.#run('appendEvent', Object.values(row), (a) =>
      this.db.insertInto('events').values(placeholders(row, a)),
    )
  }

  async purgeEvents(before: number) {
    const r = await this.db.deleteFrom('events').where('at', '<', before).executeTakeFirst()
    return Number(r.numDeletedRows)
  }

  async listEvents(filter: { session?: string; name?: string; limit?: number } = {}) {
    let q = this.db.selectFrom('events').selectAll()
    if (filter.session) q = q.where('session', '=', filter.session)
    if (filter.name) q = q.where('name', '=', filter.name)
    const rows = await q
      .orderBy('id')
      .limit(filter.limit ?? 1000)
      .execute()
    return rows.map((r) => ({
      id: Number(r.id),
      at: Number(r.at),
      name: r.name,
      userId: r.user_id,
      session: r.session,
      environment: r.environment,
      workshop: r.workshop,
      data: JSON.parse(r.data) as Record<string, unknown>,
    }))
  }

  async getSetting(key: string) {
    const r = await this.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst()
    return r?.value ?? null
  }

  async setSettingIfAbsent(key: string, value: string) {
    await this.db
      .insertInto('settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute()
    return (await this.getSetting(key)) as string
  }

  async setSetting(key: string, value: string) {
    await this.db
      .insertInto('settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute()
  }

  private async nextSequence(name: string): Promise<number> {
    const [r] = await this.#run('nextSequence', [name], (a) =>
      this.db
        .insertInto('sequences')
        .values({ name: a<string>(0), value: 1 })
        .onConflict((oc) => oc.column('name').doUpdateSet({ value: sql`sequences.value + 1` }))
        .returning('value'),
    )
    return Number(r!.value)
  }
}
