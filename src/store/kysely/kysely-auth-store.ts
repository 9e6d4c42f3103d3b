/**
 * The `AuthStore` over Kysely, for SQLite and PostgreSQL alike. Built by `openStore`; it shares its
 * database's `Db` (compiled queries, group commit) with the `KyselyStore` of the same database.
 */
import { sql, type Kysely } from 'kysely'
import { conflict } from '../../domain/errors.js'
import type { UserKind } from '../../domain/types.js'
import type {
  ClientKind,
  ClientRecord,
  RevocationEvent,
  TokenClass,
  UserCredentials,
} from '../auth-records.js'
import type {
  AuthStore,
  ClientPatch,
  NewClient,
  NewClientSignIn,
  NewGrant,
  NewToken,
  NewUser,
  NewUserSignIn,
} from '../auth-store.js'
import {
  loadGrantContext,
  loadToken,
  loadTokenContext,
  scopeOf,
  toClient,
  toClientSignIn,
  toGrant,
  toToken,
  toUserSignIn,
} from './auth-rows.js'
import { placeholders } from './compiled-queries.js'
import type { Db } from './db.js'
import { isUniqueViolation } from './kysely-store.js'
import type { Database } from './schema.js'

/** Ids per statement at most (SQLite's limit on parameters is far above). */
const CHUNK = 500

const chunks = <T>(list: readonly T[]): T[][] => {
  const out: T[][] = []
  for (let i = 0; i < list.length; i += CHUNK) out.push(list.slice(i, i + CHUNK))
  return out
}

const CREDENTIALS = ['id', 'kind', 'username', 'password_hash', 'disabled'] as const

const toCredentials = (r: {
  id: string
  kind: string
  username: string | null
  password_hash: string | null
  disabled: number
}): UserCredentials => ({
  id: r.id,
  kind: r.kind as UserKind,
  username: r.username,
  passwordHash: r.password_hash,
  disabled: Number(r.disabled) === 1,
})

const formatScope = (scope: readonly string[]) => scope.join(' ')

export class KyselyAuthStore implements AuthStore {
  constructor(
    private readonly base: Db,
    /** The handle queries run on: the database's, or the open transaction's. */
    private readonly db: Kysely<Database> = base.kysely,
    private readonly inTransaction = false,
  ) {}

  async transaction<T>(fn: (tx: AuthStore) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this)
    return this.base.commit((trx) => fn(new KyselyAuthStore(this.base, trx, true)))
  }

  /** Runs `fn` atomically: in the open transaction, else in one of its own. */
  #atomic<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.base.commit(fn, this.db)
  }

  // ---- users' credentials

  async getUserCredentials(id: string) {
    const r = await this.db.selectFrom('users').select(CREDENTIALS).where('id', '=', id).executeTakeFirst()
    return r ? toCredentials(r) : null
  }

  async findUserByUsername(username: string) {
    const r = await this.db
      .selectFrom('users')
      .select(CREDENTIALS)
      .where('username', '=', username)
      .executeTakeFirst()
    return r ? toCredentials(r) : null
  }

  async findUsersByEmail(email: string, kinds: readonly UserKind[], limit: number) {
    if (kinds.length === 0) return []
    const rows = await this.db
      .selectFrom('users')
      .select(CREDENTIALS)
      .where(sql<string>`lower(email)`, '=', email.toLowerCase())
      .where('kind', 'in', [...kinds])
      .limit(limit)
      .execute()
    return rows.map(toCredentials)
  }

  async isUsernameTaken(username: string) {
    const r = await this.db
      .selectFrom('users')
      .select('id')
      .where(sql<string>`lower(username)`, '=', username.toLowerCase())
      .executeTakeFirst()
    return r !== undefined
  }

  async isEmailTaken(email: string, kinds: readonly UserKind[]) {
    return (await this.findUsersByEmail(email, kinds, 1)).length > 0
  }

  async hasUserOfKind(kind: UserKind) {
    const r = await this.db.selectFrom('users').select('id').where('kind', '=', kind).executeTakeFirst()
    return r !== undefined
  }

  #userRow(u: NewUser) {
    return {
      id: u.id,
      username: u.username,
      kind: u.kind,
      email: u.email ?? null,
      first_name: null,
      last_name: null,
      password_hash: u.passwordHash,
      created_at: u.at,
      updated_at: u.at,
    }
  }

  async createUser(u: NewUser) {
    try {
      await this.db.insertInto('users').values(this.#userRow(u)).execute()
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict(`user ${u.id} or username ${u.username} already exists`)
      throw e
    }
  }

  async createUserIfAbsent(u: NewUser) {
    const r = await this.db
      .insertInto('users')
      .values(this.#userRow(u))
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst()
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0
  }

  async updateUserCredentials(
    id: string,
    patch: { username?: string; kind?: UserKind; passwordHash?: string | null },
    at: number,
  ) {
    await this.db
      .updateTable('users')
      .set({
        updated_at: at,
        ...(patch.username !== undefined ? { username: patch.username } : {}),
        ...(patch.kind !== undefined ? { kind: patch.kind } : {}),
        ...(patch.passwordHash !== undefined ? { password_hash: patch.passwordHash } : {}),
      })
      .where('id', '=', id)
      .execute()
  }

  // ---- settings kept by provisioning

  async settingsWithPrefix(prefix: string) {
    const rows = await this.db.selectFrom('settings').selectAll().where('key', 'like', `${prefix}%`).execute()
    // `%` and `_` in the prefix are wildcards to `like` (whose escapes differ between dialects): the
    // prefix is checked exactly here
    return new Map(rows.filter((r) => r.key.startsWith(prefix)).map((r) => [r.key, r.value]))
  }

  async putSetting(key: string, value: string) {
    await this.db
      .insertInto('settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute()
  }

  async deleteSetting(key: string) {
    await this.db.deleteFrom('settings').where('key', '=', key).execute()
  }

  // ---- clients

  async getClient(id: string) {
    return (await this.getClientWithSecret(id))?.client ?? null
  }

  async getClientWithSecret(id: string) {
    const [r] = await this.base.queries.run(this.db, 'getClient', [id], (a) =>
      this.db.selectFrom('oauth_clients').selectAll().where('id', '=', a<string>(0)),
    )
    return r ? { client: toClient(r), secretHash: r.secret_hash } : null
  }

  async listClients(kind: ClientKind) {
    const rows = await this.db
      .selectFrom('oauth_clients')
      .selectAll()
      .where('kind', '=', kind)
      .orderBy('created_at')
      .orderBy('id')
      .execute()
    return rows.map(toClient)
  }

  async createClient(c: NewClient): Promise<ClientRecord> {
    // A session's dashboard client is registered as each sandbox starts: both queries are compiled once.
    const queries = this.base.queries
    const [taken] = await queries.run(this.db, 'clientTaken', [c.id], (a) =>
      this.db.selectFrom('oauth_clients').select('id').where('id', '=', a<string>(0)),
    )
    if (taken) throw conflict(`OAuth client ${c.id} already exists`)
    const row = {
      id: c.id,
      secret_hash: c.secretHash,
      name: c.name,
      kind: c.kind,
      grant_types: JSON.stringify(c.grantTypes),
      scopes: JSON.stringify(c.scopes),
      redirect_uris: JSON.stringify(c.redirectUris),
      usage_rules: c.usageRules ? JSON.stringify(c.usageRules) : null,
      subject_type: c.subjectType,
      sector_identifier: c.sectorIdentifier,
      disabled_at: null,
      created_at: c.createdAt,
    }
    try {
      // The insert shares the durable commit of the allocations that run meanwhile.
      await this.base.commit(
        (trx) =>
          queries.run(trx, 'insertClient', Object.values(row), (a) =>
            trx.insertInto('oauth_clients').values(placeholders(row, a)),
          ),
        this.db,
      )
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict(`OAuth client ${c.id} already exists`)
      throw e
    }
    return toClient(row)
  }

  async updateClient(id: string, p: ClientPatch) {
    const set: Record<string, string | null> = {}
    if (p.name !== undefined) set.name = p.name
    if (p.kind !== undefined) set.kind = p.kind
    if (p.secretHash !== undefined) set.secret_hash = p.secretHash
    if (p.grantTypes !== undefined) set.grant_types = JSON.stringify(p.grantTypes)
    if (p.scopes !== undefined) set.scopes = JSON.stringify(p.scopes)
    if (p.redirectUris !== undefined) set.redirect_uris = JSON.stringify(p.redirectUris)
    if (Object.keys(set).length === 0) return (await this.getClient(id)) !== null
    const r = await this.db.updateTable('oauth_clients').set(set).where('id', '=', id).executeTakeFirst()
    return Number(r.numUpdatedRows) > 0
  }

  async disableClient(id: string, at: number) {
    const r = await this.db
      .updateTable('oauth_clients')
      .set({ disabled_at: at })
      .where('id', '=', id)
      .where('disabled_at', 'is', null)
      .executeTakeFirst()
    return Number(r.numUpdatedRows) > 0
  }

  // ---- consents

  async getConsent(userId: string, clientId: string) {
    const r = await this.db
      .selectFrom('oauth_consents')
      .select('scope')
      .where('user_id', '=', userId)
      .where('client_id', '=', clientId)
      .executeTakeFirst()
    return r ? scopeOf(r.scope) : null
  }

  async saveConsent(userId: string, clientId: string, scope: string[], at: number) {
    const text = formatScope(scope)
    await this.db
      .insertInto('oauth_consents')
      .values({ user_id: userId, client_id: clientId, scope: text, updated_at: at })
      .onConflict((oc) => oc.columns(['user_id', 'client_id']).doUpdateSet({ scope: text, updated_at: at }))
      .execute()
  }

  async forgetConsents(clientId: string) {
    await this.db.deleteFrom('oauth_consents').where('client_id', '=', clientId).execute()
  }

  // ---- sign-ins and grants

  async createUserSignIn(s: NewUserSignIn) {
    const row = {
      id: s.id,
      user_id: s.userId,
      authn_event: JSON.stringify(s.authnEvent),
      created_at: s.createdAt,
      expires_at: s.expiresAt,
      revoked: 0,
    }
    await this.db.insertInto('auth_user_sessions').values(row).execute()
    return toUserSignIn(row)
  }

  async getUserSignIn(id: string) {
    const r = await this.db
      .selectFrom('auth_user_sessions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    return r ? toUserSignIn(r) : null
  }

  async createClientSignIn(s: NewClientSignIn) {
    const row = {
      id: s.id,
      user_session_id: s.userSignInId,
      client_id: s.clientId,
      sub: s.sub,
      sub_type: s.subType,
      created_at: s.createdAt,
      revoked: 0,
    }
    await this.db.insertInto('auth_client_sessions').values(row).execute()
    return toClientSignIn(row)
  }

  async getClientSignIn(id: string) {
    const r = await this.db
      .selectFrom('auth_client_sessions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    return r ? toClientSignIn(r) : null
  }

  async createGrant(g: NewGrant) {
    const row = {
      id: g.id,
      client_session_id: g.clientSignInId,
      scope: formatScope(g.scope),
      claims: JSON.stringify(g.claims),
      resources: JSON.stringify(g.resources),
      sub: g.sub,
      usage_rules: JSON.stringify(g.usageRules),
      created_at: g.createdAt,
      expires_at: g.expiresAt,
      revoked: 0,
    }
    await this.db.insertInto('auth_grants').values(row).execute()
    return toGrant(row)
  }

  async getGrant(id: string) {
    const r = await this.db.selectFrom('auth_grants').selectAll().where('id', '=', id).executeTakeFirst()
    return r ? toGrant(r) : null
  }

  grantContext(grantId: string) {
    return loadGrantContext(this.db, grantId)
  }

  // ---- tokens

  async createToken(t: NewToken) {
    const row = {
      id: t.id,
      grant_id: t.grantId,
      class: t.class,
      parent_id: t.parentId,
      value_hash: t.valueHash,
      scope: formatScope(t.scope),
      resources: JSON.stringify(t.resources),
      used: 0,
      max_usage: t.maxUsage,
      created_at: t.createdAt,
      expires_at: t.expiresAt,
      revoked: 0,
    }
    await this.db.insertInto('auth_tokens').values(row).execute()
    return toToken(row)
  }

  getToken(id: string) {
    return loadToken(this.db, id)
  }

  tokenContext(by: { id: string } | { valueHash: string }) {
    return loadTokenContext(this.db, by)
  }

  async grantTokens(grantId: string) {
    const rows = await this.db
      .selectFrom('auth_tokens')
      .selectAll()
      .where('grant_id', '=', grantId)
      .orderBy('created_at')
      .orderBy('id')
      .execute()
    return rows.map(toToken)
  }

  async useToken(id: string) {
    const res = await this.db
      .updateTable('auth_tokens')
      .set((eb) => ({ used: eb('used', '+', 1) }))
      .where('id', '=', id)
      .where('revoked', '=', 0)
      .where((eb) => eb.or([eb('max_usage', 'is', null), eb('used', '<', eb.ref('max_usage'))]))
      .executeTakeFirst()
    return Number(res.numUpdatedRows) > 0
  }

  async hasRevokedAncestor(parentId: string | null) {
    if (parentId === null) return false
    const row = await this.db
      .withRecursive('chain(id, parent_id, revoked)', (q) =>
        q
          .selectFrom('auth_tokens')
          .select(['id', 'parent_id', 'revoked'])
          .where('id', '=', parentId)
          .unionAll((q2) =>
            q2
              .selectFrom('auth_tokens as t')
              .innerJoin('chain', 'chain.parent_id', 't.id')
              .select(['t.id', 't.parent_id', 't.revoked']),
          ),
      )
      .selectFrom('chain')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('revoked', '=', 1)
      .executeTakeFirstOrThrow()
    return Number(row.n) > 0
  }

  async childTokenIds(tokenId: string, cls?: TokenClass) {
    const rows = await this.db
      .selectFrom('auth_tokens')
      .select('id')
      .where('parent_id', '=', tokenId)
      .$if(cls !== undefined, (q) => q.where('class', '=', cls as TokenClass))
      .orderBy('created_at')
      .orderBy('id')
      .execute()
    return rows.map((r) => r.id)
  }

  tokenTreeIds(rootIds: readonly string[]) {
    return subtreeIds(this.db, rootIds)
  }

  // ---- revocation

  async revokeTokens(ids: readonly string[]) {
    if (ids.length === 0) return
    await this.#atomic((db) => markTokensRevoked(db, ids))
  }

  async revokeTokenTrees(rootIds: readonly string[]) {
    if (rootIds.length === 0) return []
    return this.#atomic(async (db) => {
      const ids = await subtreeIds(db, rootIds)
      await markTokensRevoked(db, ids)
      return ids
    })
  }

  async revokeGrants(ids: readonly string[]) {
    if (ids.length === 0) return []
    return this.#atomic((db) => revokeGrantsIn(db, ids))
  }

  async revokeClientSignIns(ids: readonly string[]) {
    if (ids.length === 0) return null
    return this.#atomic((db) => revokeClientSignInsIn(db, ids))
  }

  async revokeClientSignInsOf(clientId: string) {
    return this.#atomic(async (db) => {
      const rows = await db
        .selectFrom('auth_client_sessions')
        .select('id')
        .where('client_id', '=', clientId)
        .execute()
      const event = await revokeClientSignInsIn(
        db,
        rows.map((r) => r.id),
      )
      return event ?? { tokenIds: [], grantIds: [] }
    })
  }

  async activeUserSignInIds(userId: string) {
    const rows = await this.db
      .selectFrom('auth_user_sessions')
      .select('id')
      .where('user_id', '=', userId)
      .where('revoked', '=', 0)
      .orderBy('id')
      .execute()
    return rows.map((r) => r.id)
  }

  async revokeUserSignIn(id: string) {
    return this.#atomic(async (db) => {
      const res = await db
        .updateTable('auth_user_sessions')
        .set({ revoked: 1 })
        .where('id', '=', id)
        .executeTakeFirst()
      if (Number(res.numUpdatedRows) === 0) return null
      const rows = await db
        .selectFrom('auth_client_sessions')
        .select('id')
        .where('user_session_id', '=', id)
        .execute()
      const event = await revokeClientSignInsIn(
        db,
        rows.map((r) => r.id),
      )
      return event ?? { tokenIds: [], grantIds: [] }
    })
  }
}

/** Ids of the tokens in the subtrees rooted at `rootIds` (the roots included). One recursive query. */
async function subtreeIds(db: Kysely<Database>, rootIds: readonly string[]): Promise<string[]> {
  if (rootIds.length === 0) return []
  const rows = await db
    .withRecursive('subtree(id)', (q) =>
      q
        .selectFrom('auth_tokens')
        .select('id')
        .where('id', 'in', [...rootIds])
        .unionAll((q2) =>
          q2.selectFrom('auth_tokens as t').innerJoin('subtree', 'subtree.id', 't.parent_id').select('t.id'),
        ),
    )
    .selectFrom('subtree')
    .select('id')
    .execute()
  return [...new Set(rows.map((r) => r.id))]
}

async function markTokensRevoked(db: Kysely<Database>, ids: readonly string[]): Promise<void> {
  for (const chunk of chunks(ids))
    await db.updateTable('auth_tokens').set({ revoked: 1 }).where('id', 'in', chunk).execute()
}

async function revokeGrantsIn(db: Kysely<Database>, grantIds: readonly string[]): Promise<string[]> {
  const out: string[] = []
  for (const chunk of chunks(grantIds)) {
    const found = await db.selectFrom('auth_grants').select('id').where('id', 'in', chunk).execute()
    if (found.length === 0) continue
    const ids = found.map((g) => g.id)
    await db.updateTable('auth_grants').set({ revoked: 1 }).where('id', 'in', ids).execute()
    await db.updateTable('auth_tokens').set({ revoked: 1 }).where('grant_id', 'in', ids).execute()
    out.push(...ids)
  }
  return out
}

async function revokeClientSignInsIn(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<RevocationEvent | null> {
  if (ids.length === 0) return null
  let updated = 0
  const grantIds: string[] = []
  for (const chunk of chunks(ids)) {
    const res = await db
      .updateTable('auth_client_sessions')
      .set({ revoked: 1 })
      .where('id', 'in', chunk)
      .executeTakeFirst()
    updated += Number(res.numUpdatedRows)
    const grants = await db
      .selectFrom('auth_grants')
      .select('id')
      .where('client_session_id', 'in', chunk)
      .execute()
    grantIds.push(...grants.map((g) => g.id))
  }
  if (updated === 0) return null
  return { tokenIds: [], grantIds: await revokeGrantsIn(db, grantIds) }
}
