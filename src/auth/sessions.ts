/**
 * The upper part of the tree: user sessions, client sessions and grants, addressed by sealed session keys.
 * `GrantManager` exposes these functions as methods; the contracts are documented there.
 */
import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import { badRequest, forbidden, notFound } from '../domain/errors.js'
import type { Database } from '../store/schema.js'
import type { AuthnEvent, ClientSessionRecord, GrantRecord, UserSessionRecord } from './records.js'
import { toClientSession, toGrant, toUserSession } from './rows.js'
import { formatScope } from './scope.js'
import type { SessionKeys, SessionPath } from './session-key.js'
import { ephemeralSub, type SubjectType } from './subject-id.js'
import type { UsageRules } from './token-class.js'

export interface CreateSessionInput {
  userId: string
  clientId: string
  /** How the user authenticated; `at` defaults to now, `method` to `unspecified`. */
  authnEvent?: Partial<AuthnEvent>
  /** Subject identifier the client sees; default the user id (`public`). */
  sub?: string
  /**
   * How `sub` was made; default `public`. With `ephemeral` every grant of the client session gets a new
   * random sub (and `sub` only stands for the client session itself).
   */
  subType?: SubjectType
  /** A session key whose user session the new client session joins (one sign-in, several clients). */
  userSessionOf?: string
  /**
   * The id of a user session to join, for trusted callers that found it themselves (the authorization
   * endpoint, through the browser's own sign-in token). Checked like `userSessionOf`'s.
   */
  userSessionId?: string
  /** Lifetime of a new user session in seconds; default until revoked. Ignored with `userSessionOf`. */
  expiresIn?: number | null
}

export interface AddGrantInput {
  scope: string[]
  claims?: Record<string, unknown>
  resources?: string[]
  /** Grant lifetime in seconds; default until revoked. Tokens never outlive their grant. */
  expiresIn?: number | null
  /** Per-class rules over the defaults (a client's own rules still take precedence). */
  usageRules?: UsageRules
}

/** Everything a session key points at. */
export interface SessionInfo extends SessionPath {
  userSession: UserSessionRecord
  clientSession: ClientSessionRecord
  grant: GrantRecord | null
}

/** What these functions work with. */
export interface SessionCtx {
  db: Kysely<Database>
  keys: SessionKeys
  now: number
}

const expiry = (now: number, expiresIn: number | null | undefined) =>
  expiresIn === null || expiresIn === undefined ? null : now + expiresIn * 1000

const isLive = (us: UserSessionRecord, now: number) =>
  !us.revoked && (us.expiresAt === null || us.expiresAt > now)

/** The id of the user session named by `userSessionOf` or `userSessionId`; undefined when neither is given. */
async function joinedUserSession(keys: SessionKeys, input: CreateSessionInput): Promise<string | undefined> {
  if (input.userSessionOf === undefined) return input.userSessionId
  const path = await keys.open(input.userSessionOf)
  if (!path) throw badRequest('invalid session key')
  return path.userSessionId
}

/** The user session a new client session joins (`userSessionOf`'s or `userSessionId`), or a new one. */
async function userSessionFor({ db, keys, now }: SessionCtx, input: CreateSessionInput): Promise<string> {
  const joined = await joinedUserSession(keys, input)
  if (joined !== undefined) {
    const row = await db
      .selectFrom('auth_user_sessions')
      .selectAll()
      .where('id', '=', joined)
      .executeTakeFirst()
    const us = row && toUserSession(row)
    if (!us || us.userId !== input.userId || !isLive(us, now))
      throw forbidden('the user session is not active')
    return us.id
  }
  const user = await db.selectFrom('users').select('id').where('id', '=', input.userId).executeTakeFirst()
  if (!user) throw notFound(`user ${input.userId} does not exist`)
  const event: AuthnEvent = {
    ...input.authnEvent,
    method: input.authnEvent?.method ?? 'unspecified',
    at: input.authnEvent?.at ?? now,
  }
  const id = randomUUID()
  await db
    .insertInto('auth_user_sessions')
    .values({
      id,
      user_id: input.userId,
      authn_event: JSON.stringify(event),
      created_at: now,
      expires_at: expiry(now, input.expiresIn),
      revoked: 0,
    })
    .execute()
  return id
}

/** Inserts a client session (and a user session unless joining one); returns its sealed key. */
export async function insertSession(ctx: SessionCtx, input: CreateSessionInput): Promise<string> {
  const { db, keys, now } = ctx
  const client = await db
    .selectFrom('oauth_clients')
    .select('id')
    .where('id', '=', input.clientId)
    .executeTakeFirst()
  if (!client) throw notFound(`OAuth client ${input.clientId} does not exist`)
  const userSessionId = await userSessionFor(ctx, input)
  const clientSessionId = randomUUID()
  await db
    .insertInto('auth_client_sessions')
    .values({
      id: clientSessionId,
      user_session_id: userSessionId,
      client_id: input.clientId,
      sub: input.sub ?? input.userId,
      sub_type: input.subType ?? 'public',
      created_at: now,
      revoked: 0,
    })
    .execute()
  return keys.seal({ userId: input.userId, clientId: input.clientId, userSessionId, clientSessionId })
}

/** What a session key points at; null for an invalid key or missing rows. */
export async function readSessionInfo(
  { db, keys }: SessionCtx,
  sessionKey: string,
): Promise<SessionInfo | null> {
  const path = await keys.open(sessionKey)
  if (!path) return null
  const [us, cs, g] = await Promise.all([
    db.selectFrom('auth_user_sessions').selectAll().where('id', '=', path.userSessionId).executeTakeFirst(),
    db
      .selectFrom('auth_client_sessions')
      .selectAll()
      .where('id', '=', path.clientSessionId)
      .executeTakeFirst(),
    path.grantId === undefined
      ? undefined
      : db.selectFrom('auth_grants').selectAll().where('id', '=', path.grantId).executeTakeFirst(),
  ])
  if (!us || !cs) return null
  return {
    ...path,
    userSession: toUserSession(us),
    clientSession: toClientSession(cs),
    grant: g ? toGrant(g) : null,
  }
}

/** Inserts a grant under the client session of `sessionKey`; returns it and a key naming it. */
export async function insertGrant(
  ctx: SessionCtx,
  sessionKey: string,
  input: AddGrantInput,
): Promise<{ grant: GrantRecord; sessionKey: string }> {
  const info = await readSessionInfo(ctx, sessionKey)
  if (!info) throw badRequest('invalid session key')
  const { db, keys, now } = ctx
  if (info.clientSession.revoked || !isLive(info.userSession, now))
    throw forbidden('the session is not active')
  const row = {
    id: randomUUID(),
    client_session_id: info.clientSessionId,
    scope: formatScope(input.scope),
    claims: JSON.stringify(input.claims ?? {}),
    resources: JSON.stringify(input.resources ?? []),
    sub: info.clientSession.subType === 'ephemeral' ? ephemeralSub() : info.clientSession.sub,
    usage_rules: JSON.stringify(input.usageRules ?? {}),
    created_at: now,
    expires_at: expiry(now, input.expiresIn),
    revoked: 0,
  }
  await db.insertInto('auth_grants').values(row).execute()
  const { userId, clientId, userSessionId, clientSessionId } = info
  return {
    grant: toGrant(row),
    sessionKey: await keys.seal({ userId, clientId, userSessionId, clientSessionId, grantId: row.id }),
  }
}
