/**
 * Mapping between the auth tables' rows and the `AuthStore` records, and the joined read of a token with
 * its tree. Integers go through `Number` because PostgreSQL hands `bigint` columns back as strings.
 */
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely'
import type { UserKind } from '../../domain/types.js'
import {
  SUBJECT_TYPES,
  type AuthnEvent,
  type ClientKind,
  type ClientRecord,
  type ClientSignInRecord,
  type GrantContext,
  type GrantRecord,
  type SubjectType,
  type TokenClass,
  type TokenContext,
  type TokenRecord,
  type UsageRules,
  type UserSignInRecord,
} from '../auth-records.js'
import type { Database } from './schema.js'
import type {
  AuthClientSessionsTable,
  AuthGrantsTable,
  AuthTokensTable,
  AuthUserSessionsTable,
  OAuthClientsTable,
} from './schema-auth.js'

/** A database handle or an open transaction. */
export type Executor = Kysely<Database> | Transaction<Database>

const num = (v: unknown): number => Number(v)
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v))
const json = <T>(v: string | null, fallback: T): T => (v ? (JSON.parse(v) as T) : fallback)

/** A stored space-separated scope as distinct values, in first-seen order. */
export const scopeOf = (v: string): string[] => [...new Set(v.split(/\s+/).filter(Boolean))]

export function toClient(r: Selectable<OAuthClientsTable>): ClientRecord {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind as ClientKind,
    confidential: r.secret_hash !== null,
    grantTypes: json<string[]>(r.grant_types, []),
    scopes: json<string[]>(r.scopes, []),
    redirectUris: json<string[]>(r.redirect_uris, []),
    usageRules: json<UsageRules>(r.usage_rules, {}),
    subjectType: subjectType(r.subject_type),
    sectorIdentifier: r.sector_identifier,
    disabled: r.disabled_at !== null,
    createdAt: num(r.created_at),
  }
}

export function toUserSignIn(r: Selectable<AuthUserSessionsTable>): UserSignInRecord {
  return {
    id: r.id,
    userId: r.user_id,
    authnEvent: json<AuthnEvent>(r.authn_event, { method: 'unknown', at: 0 }),
    createdAt: num(r.created_at),
    expiresAt: numOrNull(r.expires_at),
    revoked: num(r.revoked) === 1,
  }
}

export function toClientSignIn(r: Selectable<AuthClientSessionsTable>): ClientSignInRecord {
  return {
    id: r.id,
    userSignInId: r.user_session_id,
    clientId: r.client_id,
    sub: r.sub,
    subType: subjectType(r.sub_type),
    createdAt: num(r.created_at),
    revoked: num(r.revoked) === 1,
  }
}

export function toGrant(r: Selectable<AuthGrantsTable>): GrantRecord {
  return {
    id: r.id,
    clientSignInId: r.client_session_id,
    scope: scopeOf(r.scope),
    claims: json<Record<string, unknown>>(r.claims, {}),
    resources: json<string[]>(r.resources, []),
    sub: r.sub,
    usageRules: json<UsageRules>(r.usage_rules, {}),
    createdAt: num(r.created_at),
    expiresAt: numOrNull(r.expires_at),
    revoked: num(r.revoked) === 1,
  }
}

export function toToken(r: Selectable<AuthTokensTable>): TokenRecord {
  return {
    id: r.id,
    grantId: r.grant_id,
    class: r.class as TokenClass,
    parentId: r.parent_id,
    scope: scopeOf(r.scope),
    resources: json<string[]>(r.resources, []),
    used: num(r.used),
    maxUsage: numOrNull(r.max_usage),
    createdAt: num(r.created_at),
    expiresAt: numOrNull(r.expires_at),
    revoked: num(r.revoked) === 1,
  }
}

const COLUMNS = {
  t: [
    'id',
    'grant_id',
    'class',
    'parent_id',
    'value_hash',
    'scope',
    'resources',
    'used',
    'max_usage',
    'created_at',
    'expires_at',
    'revoked',
  ],
  g: [
    'id',
    'client_session_id',
    'scope',
    'claims',
    'resources',
    'sub',
    'usage_rules',
    'created_at',
    'expires_at',
    'revoked',
  ],
  cs: ['id', 'user_session_id', 'client_id', 'sub', 'sub_type', 'created_at', 'revoked'],
  us: ['id', 'user_id', 'authn_event', 'created_at', 'expires_at', 'revoked'],
  c: [
    'id',
    'secret_hash',
    'name',
    'kind',
    'grant_types',
    'scopes',
    'redirect_uris',
    'usage_rules',
    'subject_type',
    'sector_identifier',
    'disabled_at',
    'created_at',
  ],
  u: ['id', 'kind', 'username'],
} as const

type Alias = keyof typeof COLUMNS

function pick<T>(row: Record<string, unknown>, alias: Alias): T {
  const out: Record<string, unknown> = {}
  for (const col of COLUMNS[alias]) out[col] = row[`${alias}__${col}`]
  return out as T
}

const select = (aliases: Alias[]) =>
  aliases.flatMap((alias) => COLUMNS[alias].map((col) => sql.ref(`${alias}.${col}`).as(`${alias}__${col}`)))

function toTree(row: Record<string, unknown>): GrantContext {
  const user = pick<{ id: string; kind: string; username: string | null }>(row, 'u')
  return {
    grant: toGrant(pick(row, 'g')),
    clientSignIn: toClientSignIn(pick(row, 'cs')),
    userSignIn: toUserSignIn(pick(row, 'us')),
    client: toClient(pick(row, 'c')),
    user: { id: user.id, kind: user.kind as UserKind, username: user.username },
  }
}

const fromGrants = (db: Executor) =>
  db
    .selectFrom('auth_grants as g')
    .innerJoin('auth_client_sessions as cs', 'cs.id', 'g.client_session_id')
    .innerJoin('auth_user_sessions as us', 'us.id', 'cs.user_session_id')
    .innerJoin('oauth_clients as c', 'c.id', 'cs.client_id')
    .innerJoin('users as u', 'u.id', 'us.user_id')

/** Reads a grant joined with its client sign-in, user sign-in, client and user. Null when unknown. */
export async function loadGrantContext(db: Executor, grantId: string): Promise<GrantContext | null> {
  const row = (await fromGrants(db)
    .select(select(['g', 'cs', 'us', 'c', 'u']))
    .where('g.id', '=', grantId)
    .executeTakeFirst()) as Record<string, unknown> | undefined
  return row ? toTree(row) : null
}

/**
 * Reads one token (by id or by value hash) joined with its grant, client sign-in, user sign-in, client
 * and user, in one query. Null when no token matches.
 */
export async function loadTokenContext(
  db: Executor,
  by: { id: string } | { valueHash: string },
): Promise<TokenContext | null> {
  const row = (await fromGrants(db)
    .innerJoin('auth_tokens as t', 't.grant_id', 'g.id')
    .select(select(['t', 'g', 'cs', 'us', 'c', 'u']))
    .$if('id' in by, (q) => q.where('t.id', '=', (by as { id: string }).id))
    .$if('valueHash' in by, (q) => q.where('t.value_hash', '=', (by as { valueHash: string }).valueHash))
    .executeTakeFirst()) as Record<string, unknown> | undefined
  return row ? { token: toToken(pick(row, 't')), ...toTree(row) } : null
}

/** Reads one token row by id. Null when unknown. */
export async function loadToken(db: Executor, id: string): Promise<TokenRecord | null> {
  const row = await db.selectFrom('auth_tokens').selectAll().where('id', '=', id).executeTakeFirst()
  return row ? toToken(row) : null
}

/** A stored subject type; anything unknown reads as `public` (the column's default). */
function subjectType(v: string | undefined): SubjectType {
  return (SUBJECT_TYPES as readonly string[]).includes(v ?? '') ? (v as SubjectType) : 'public'
}
