/** Factories for tests of `src/auth` (and of the layers above it). Not used by production code. */
import { randomUUID } from 'node:crypto'
import { ManualClock } from '../domain/clock.js'
import type { UserKind } from '../domain/types.js'
import type { AuthStore } from '../store/auth-store.js'
import { openStore, type OpenStore } from '../store/open-store.js'
import { registerClient, type RegisterClientInput } from './clients.js'
import { GrantManager } from './grant-manager.js'
import { hashPassword } from './secrets.js'

/** A migrated in-memory database, a manual clock and a grant manager over them. */
export interface AuthFixture {
  stores: OpenStore
  auth: AuthStore
  clock: ManualClock
  grants: GrantManager
  close(): Promise<void>
}

/** Opens a fresh fixture (over a fresh in-memory database unless `stores` is given). Call `close()` when done. */
export async function authFixture(stores?: OpenStore): Promise<AuthFixture> {
  const s = stores ?? (await openStore({ sqlite: ':memory:' }))
  const clock = new ManualClock()
  const grants = new GrantManager({ auth: s.auth, clock, secret: 'test-server-secret-0123456789abcdef' })
  return { stores: s, auth: s.auth, clock, grants, close: () => s.close() }
}

/** Inserts a user (default: a registered user with a random id); returns its id. */
export async function buildUser(
  auth: AuthStore,
  over: { id?: string; kind?: UserKind; username?: string; password?: string } = {},
): Promise<string> {
  const id = over.id ?? randomUUID()
  await auth.createUser({
    id,
    username: over.username ?? null,
    kind: over.kind ?? 'registered',
    passwordHash: over.password === undefined ? null : await hashPassword(over.password),
    at: 0,
  })
  return id
}

/** Registers a client (default: a public `registered` client with the code and refresh grants). */
export async function buildClient(auth: AuthStore, over: Partial<RegisterClientInput> = {}): Promise<string> {
  const client = await registerClient(auth, new ManualClock(), {
    name: 'test client',
    kind: 'registered',
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: ['openid', 'user:info'],
    ...over,
  })
  return client.id
}
