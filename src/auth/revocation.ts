/**
 * Revocation writes. Every function is idempotent, marks rows `revoked = 1` (rows are never deleted, so
 * lineage and audit survive) and returns what it touched, so the caller can invalidate caches.
 */
import type { Kysely } from 'kysely'
import type { Database } from '../store/schema.js'
import { subtreeIds } from './lineage.js'
import type { Executor } from './rows.js'

/** What a revocation made inactive: tokens by id, and whole grants (all their tokens). */
export interface RevocationEvent {
  tokenIds: string[]
  grantIds: string[]
}

const CHUNK = 500

/** Marks the given tokens revoked. */
export async function markTokensRevoked(db: Executor, ids: readonly string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += CHUNK) {
    await db
      .updateTable('auth_tokens')
      .set({ revoked: 1 })
      .where('id', 'in', ids.slice(i, i + CHUNK))
      .execute()
  }
}

/** Revokes the tokens rooted at `rootIds` and everything minted from them; returns every id revoked. */
export async function revokeSubtrees(
  db: Kysely<Database>,
  rootIds: readonly string[],
): Promise<RevocationEvent> {
  return db.transaction().execute(async (trx) => {
    const ids = await subtreeIds(trx, rootIds)
    await markTokensRevoked(trx, ids)
    return { tokenIds: ids, grantIds: [] }
  })
}

/** Revokes grants and all their tokens. Returns the grants that exist among `grantIds`. */
export async function revokeGrants(db: Executor, grantIds: readonly string[]): Promise<RevocationEvent> {
  const out: RevocationEvent = { tokenIds: [], grantIds: [] }
  for (let i = 0; i < grantIds.length; i += CHUNK) {
    const chunk = grantIds.slice(i, i + CHUNK)
    const found = await db.selectFrom('auth_grants').select('id').where('id', 'in', chunk).execute()
    if (found.length === 0) continue
    const ids = found.map((g) => g.id)
    await db.updateTable('auth_grants').set({ revoked: 1 }).where('id', 'in', ids).execute()
    await db.updateTable('auth_tokens').set({ revoked: 1 }).where('grant_id', 'in', ids).execute()
    out.grantIds.push(...ids)
  }
  return out
}

/**
 * Revokes client sessions, their grants and their tokens. Returns the revoked grants; null when none of
 * the client sessions exists.
 */
export async function revokeClientSessions(
  db: Kysely<Database>,
  clientSessionIds: readonly string[],
): Promise<RevocationEvent | null> {
  if (clientSessionIds.length === 0) return null
  return db.transaction().execute((trx) => revokeClientSessionsIn(trx, clientSessionIds))
}

/** `revokeClientSessions` inside the caller's transaction (`db` must be one). */
export async function revokeClientSessionsIn(
  db: Executor,
  clientSessionIds: readonly string[],
): Promise<RevocationEvent | null> {
  if (clientSessionIds.length === 0) return null
  let updated = 0
  const grantIds: string[] = []
  for (let i = 0; i < clientSessionIds.length; i += CHUNK) {
    const chunk = clientSessionIds.slice(i, i + CHUNK)
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
  return updated === 0 ? null : revokeGrants(db, grantIds)
}
