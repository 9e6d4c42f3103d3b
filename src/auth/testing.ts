/** Factories for tests of `src/auth` (and of the layers above it). Not used by production code. */
import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import { ManualClock } from '../domain/clock.js'
import type { UserKind } from '../domain/types.js'
import { openSqlite, type Db } from '../store/open.js'
import type { Database } from '../store/schema.js'
import { registerClient, type RegisterClientInput } from './clients.js'
import { GrantManager } from './grant-manager.js'
import { hashPassword } from './secrets.js'

/** A migrated in-memory database, a manual clock and a grant manager over them. */
export interface AuthFixture {
  db: Db
  kysely: Kysely<Database>
  clock: ManualClock
  grants: GrantManager
  close(): Promise<void>
}

/** Opens a fresh fixture. Call `close()` when done. */
export async function authFixture(): Promise<AuthFixture> {
  const db = await openSqlite(':memory:')
  const clock = new ManualClock()
  const grants = new GrantManager({ db: db.kysely, clock, secret: 'test-server-secret-0123456789abcdef' })
  return { db, kysely: db.kysely, clock, grants, close: () => db.close() }
}

/** Inserts a user (default: a registered user with a random id); returns its id. */
export async function buildUser(
  db: Kysely<Database>,
  over: { id?: string; kind?: UserKind; username?: string; password?: string } = {},
): Promise<string> {
  const id = over.id ?? randomUUID()
  await db
    .insertInto('users')
    .values({
      id,
      username: over.username ?? null,
      kind: over.kind ?? 'registered',
      email: null,
      first_name: null,
      last_name: null,
      password_hash: over.password === undefined ? null : await hashPassword(over.password),
      created_at: 0,
      updated_at: 0,
    })
    .execute()
  return id
}

/** Registers a client (default: a public `registered` client with the code and refresh grants). */
export async function buildClient(
  db: Kysely<Database>,
  over: Partial<RegisterClientInput> = {},
): Promise<string> {
  const client = await registerClient(db, new ManualClock(), {
    name: 'test client',
    kind: 'registered',
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: ['openid', 'user:info'],
    ...over,
  })
  return client.id
}
