/**
 * The credentials agents authenticate with: one token per sandbox, issued when its job is submitted and
 * revoked when it stops. labgate keeps them in its grant model (`auth/agent-tokens.ts`): the token is an
 * access token of the agents' own OAuth client with the scope `agent:<session>`, stored only as a hash.
 */
export interface AgentCredentials {
  /**
   * A new token for the agent of `session`, living `lifetimeSeconds` (null: until revoked), and the id of
   * the grant that holds it (kept in the sandbox's handle, to revoke it; not a secret).
   */
  issue(session: string, lifetimeSeconds: number | null): Promise<{ token: string; grant: string }>
  /** The session whose agent `token` authenticates, or null (unknown, expired, revoked, not an agent's). */
  check(token: string): Promise<string | null>
  /** Ends the grant's token. Idempotent. */
  revoke(grant: string): Promise<void>
}
