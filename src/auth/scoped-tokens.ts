/**
 * Credentials labgate gives its own parts, in the grant model: each is an access token of a client of
 * its own (a session-kind client: its tokens are no API credential) carrying one scope `<prefix><value>`,
 * issued to a user of its own that nobody signs in as. Only the token's hash is stored; revoking the
 * grant ends the credential at once.
 */
import { randomUUID } from 'node:crypto'
import type { Clock } from '../domain/clock.js'
import type { AuthStore } from '../store/auth-store.js'
import { registerClient } from './clients.js'
import type { GrantManager } from './grant-manager.js'
import type { TokenCache } from './token-cache.js'

/** What scoped credentials need: the grant model over the auth store. */
export interface ScopedTokenDeps {
  auth: AuthStore
  grants: GrantManager
  tokens: TokenCache
  clock: Clock
}

/** Whose credentials these are. */
export interface ScopedTokenKind {
  /** The client's id and the user's name (the same text). */
  clientId: string
  /** The client's name, for people. */
  clientName: string
  /** How the grants' sign-ins are recorded (`authnEvent.method`). */
  method: string
  /** Every scope starts with it. */
  scopePrefix: string
}

/** A credential as issued: the token (given once) and its grant (to revoke it). */
export interface IssuedToken {
  token: string
  grant: string
}

/**
 * Credentials of `kind`: `issue(value, lifetime)` registers the client and user on first use and starts
 * a grant with one multi-use access token scoped `<prefix><value>` (no lifetime: it lasts until revoked);
 * `check(token)` answers the value only for an active token of that client (null otherwise), `identify`
 * the value and the grant; `revoke` ends the grant.
 */
export function scopedTokens(d: ScopedTokenDeps, kind: ScopedTokenKind) {
  let userId: Promise<string> | null = null
  const ensure = async (): Promise<string> => {
    if (!(await d.auth.getClient(kind.clientId))) {
      await registerClient(d.auth, d.clock, {
        id: kind.clientId,
        name: kind.clientName,
        kind: 'session',
        grantTypes: [],
        scopes: [],
      }).catch(async (e: unknown) => {
        // registered meanwhile by another start; anything else throws
        if (!(await d.auth.getClient(kind.clientId))) throw e
      })
    }
    const found = await d.auth.findUserByUsername(kind.clientId)
    if (found) return found.id
    await d.auth.createUserIfAbsent({
      id: randomUUID(),
      username: kind.clientId,
      kind: 'robot',
      passwordHash: null,
      at: d.clock.now(),
    })
    const made = await d.auth.findUserByUsername(kind.clientId)
    if (!made) throw new Error(`the ${kind.clientId} user could not be created`)
    return made.id
  }
  /** The value and grant of an active token of this kind, or null. */
  const identify = async (token: string): Promise<{ value: string; grant: string } | null> => {
    const who = await d.tokens.authenticateBearer(token)
    if (!who || who.clientId !== kind.clientId) return null
    const scope = who.scope.find((s) => s.startsWith(kind.scopePrefix))
    return scope ? { value: scope.slice(kind.scopePrefix.length), grant: who.grantId } : null
  }
  return {
    async issue(value: string, lifetimeSeconds: number | null): Promise<IssuedToken> {
      userId ??= ensure().catch((e: unknown) => {
        userId = null
        throw e
      })
      const who = await userId
      const life = lifetimeSeconds ?? undefined
      const started = await d.grants.startGrant(
        {
          userId: who,
          clientId: kind.clientId,
          authnEvent: { method: kind.method },
          ...(life !== undefined && { expiresIn: life }),
        },
        { scope: [`${kind.scopePrefix}${value}`], ...(life !== undefined && { expiresIn: life }) },
        'access_token',
        { expiresIn: life ?? null },
      )
      return { token: started.token.value, grant: started.grant.id }
    },
    identify,
    async check(token: string): Promise<string | null> {
      return (await identify(token))?.value ?? null
    },
    async revoke(grant: string): Promise<void> {
      await d.grants.revokeGrant(grant)
    },
  }
}
