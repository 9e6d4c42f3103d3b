/**
 * Credentials of labgate agents (the process a Slurm job runs beside its sandbox), in the grant model:
 * each sandbox's agent gets an access token of the agents' own client (`labgate-agent`, a session-kind
 * client: its tokens are no API credential) with the scope `agent:<session>`, issued to labgate's own
 * `labgate-agent` user. Only the token's hash is stored; stopping the sandbox revokes its grant.
 */
import { randomUUID } from 'node:crypto'
import type { Clock } from '../domain/clock.js'
import type { AuthStore } from '../store/auth-store.js'
import { registerClient } from './clients.js'
import type { GrantManager } from './grant-manager.js'
import type { TokenCache } from './token-cache.js'

/** The agents' OAuth client. */
export const AGENT_CLIENT_ID = 'labgate-agent'
/** The user agents' grants are issued to (no password: nobody signs in as it). */
export const AGENT_USERNAME = 'labgate-agent'
const SCOPE_PREFIX = 'agent:'

/** What agent credentials need: the grant model over the auth store. */
export interface AgentTokenDeps {
  auth: AuthStore
  grants: GrantManager
  tokens: TokenCache
  clock: Clock
}

/**
 * Agent credentials over the grant model (the shape `backends/agent/agent-credentials.ts` asks for):
 * `issue` registers the client and user on first use and starts a grant with one multi-use access token;
 * `check` looks a token up by its hash and answers with its session only for an active token of the
 * agents' client; `revoke` ends the grant.
 */
export function agentTokens(d: AgentTokenDeps) {
  let userId: Promise<string> | null = null
  const ensure = async (): Promise<string> => {
    if (!(await d.auth.getClient(AGENT_CLIENT_ID))) {
      await registerClient(d.auth, d.clock, {
        id: AGENT_CLIENT_ID,
        name: 'labgate agents (sandboxes on Slurm)',
        kind: 'session',
        grantTypes: [],
        scopes: [],
      }).catch(async (e: unknown) => {
        // registered meanwhile by another start; anything else throws
        if (!(await d.auth.getClient(AGENT_CLIENT_ID))) throw e
      })
    }
    const found = await d.auth.findUserByUsername(AGENT_USERNAME)
    if (found) return found.id
    await d.auth.createUserIfAbsent({
      id: randomUUID(),
      username: AGENT_USERNAME,
      kind: 'robot',
      passwordHash: null,
      at: d.clock.now(),
    })
    const made = await d.auth.findUserByUsername(AGENT_USERNAME)
    if (!made) throw new Error('the labgate-agent user could not be created')
    return made.id
  }
  return {
    async issue(session: string, lifetimeSeconds: number | null) {
      userId ??= ensure().catch((e: unknown) => {
        userId = null
        throw e
      })
      const who = await userId
      const life = lifetimeSeconds ?? undefined
      const started = await d.grants.startGrant(
        {
          userId: who,
          clientId: AGENT_CLIENT_ID,
          authnEvent: { method: 'agent' },
          ...(life !== undefined && { expiresIn: life }),
        },
        { scope: [`${SCOPE_PREFIX}${session}`], ...(life !== undefined && { expiresIn: life }) },
        'access_token',
        { expiresIn: life ?? null },
      )
      return { token: started.token.value, grant: started.grant.id }
    },
    async check(token: string): Promise<string | null> {
      const who = await d.tokens.authenticateBearer(token)
      if (!who || who.clientId !== AGENT_CLIENT_ID) return null
      const scope = who.scope.find((s) => s.startsWith(SCOPE_PREFIX))
      return scope ? scope.slice(SCOPE_PREFIX.length) : null
    },
    async revoke(grant: string): Promise<void> {
      await d.grants.revokeGrant(grant)
    },
  }
}
