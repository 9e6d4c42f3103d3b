/**
 * Credentials of labgate agents (the process a Slurm job runs beside its sandbox), in the grant model:
 * each sandbox's agent gets an access token of the agents' own client (`labgate-agent`, a session-kind
 * client: its tokens are no API credential) with the scope `agent:<session>`, issued to labgate's own
 * `labgate-agent` user. Only the token's hash is stored; stopping the sandbox revokes its grant.
 */
import { scopedTokens, type ScopedTokenDeps } from './scoped-tokens.js'

/** The agents' OAuth client. */
export const AGENT_CLIENT_ID = 'labgate-agent'
/** The user agents' grants are issued to (no password: nobody signs in as it). */
export const AGENT_USERNAME = 'labgate-agent'

/** What agent credentials need: the grant model over the auth store. */
export type AgentTokenDeps = ScopedTokenDeps

/**
 * Agent credentials over the grant model (the shape `backends/agent/agent-credentials.ts` asks for):
 * `issue(session, lifetime)`, `check(token)` answering the session of an active agent token, `revoke`.
 */
export function agentTokens(d: AgentTokenDeps) {
  return scopedTokens(d, {
    clientId: AGENT_CLIENT_ID,
    clientName: 'labgate agents (sandboxes on Slurm)',
    method: 'agent',
    scopePrefix: 'agent:',
  })
}
