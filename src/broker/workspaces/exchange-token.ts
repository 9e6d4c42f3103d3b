import { randomUUID } from 'node:crypto'
import type { GrantManager } from '../../auth/grant-manager.js'
import type { TokenCache } from '../../auth/token-cache.js'
import type { Clock } from '../../domain/clock.js'
import { badRequest, unauthenticated } from '../../domain/errors.js'
import type { AuthStore } from '../../store/auth-store.js'
import type { Store } from '../../store/store.js'
import { hasControlCharacter } from '../users.js'

/** The OAuth client whose tokens the workspaces API accepts (registered at start-up). */
export const WORKSPACES_CLIENT_ID = 'labgate-workspaces'
/** The scope of workspaces tokens, and the scope a client needs to exchange tokens for its users. */
export const WORKSPACES_SCOPE = 'workspaces'
/** The original's answer to any refused exchange, word for word. */
export const BAD_CREDENTIALS = 'Incorrect authentication credentials.'
/** The answer for a user staff disabled (nothing is created or changed for them). */
export const DISABLED = 'This account is disabled.'

export interface TokenDeps {
  store: Store
  auth: AuthStore
  grants: GrantManager
  tokens: TokenCache
  clock: Clock
  /** Lifetime of issued tokens, seconds. */
  lifetime: number
}

/**
 * `POST /tokens/` in the original's local mode: exchanges an API client's token for a workspaces token of
 * the user `username` (created, as an API user, with `email` when labgate has never seen the name). An API
 * client's token is an active access token of a robot-kind client (the Educates robot) or one whose scope
 * holds `workspaces` (a `client_credentials` token of a client registered with that scope). Refused with
 * `unauthenticated` "Incorrect authentication credentials." for any other token, and for staff and robot
 * accounts (which no API client may act as); refused with `unauthenticated` {@link DISABLED} for a user
 * staff disabled. Returns a new token: a grant of {@link WORKSPACES_CLIENT_ID},
 * revocable, hashed at rest, visible in introspection.
 */
export async function exchangeToken(
  d: TokenDeps,
  i: { clientToken: string; username: string; email: string },
): Promise<string> {
  if (!i.username || i.username.length > 150 || /\s/.test(i.username) || hasControlCharacter(i.username)) {
    throw badRequest('user_info.username must be a non-empty name without spaces (at most 150 characters).')
  }
  const caller = await d.tokens.authenticateBearer(i.clientToken)
  if (!caller) throw unauthenticated(BAD_CREDENTIALS)
  const client = await d.auth.getClient(caller.clientId)
  const trusted = client?.kind === 'robot' || caller.scope.includes(WORKSPACES_SCOPE)
  if (!trusted || caller.clientId === WORKSPACES_CLIENT_ID) throw unauthenticated(BAD_CREDENTIALS)
  const now = d.clock.now()
  let user = await d.store.getUserByUsername(i.username)
  if (user && (user.kind === 'staff' || user.kind === 'robot')) throw unauthenticated(BAD_CREDENTIALS)
  if (user?.disabled) throw unauthenticated(DISABLED)
  if (!user) {
    user = await d.store.createUser({
      id: randomUUID(),
      kind: 'anonymous',
      username: i.username,
      email: i.email || null,
      at: now,
    })
  } else if (i.email && !user.email) {
    user = (await d.store.updateUserDetails(user.id, { email: i.email }, now)) ?? user
  }
  const { token } = await d.grants.startGrant(
    {
      userId: user.id,
      clientId: WORKSPACES_CLIENT_ID,
      authnEvent: { method: 'token_exchange' },
      expiresIn: d.lifetime,
    },
    { scope: [WORKSPACES_SCOPE], expiresIn: d.lifetime },
    'access_token',
    { expiresIn: d.lifetime },
  )
  return token.value
}

/** The user behind a workspaces token, or null (unknown, expired, revoked, or another client's token). */
export async function authenticateWorkspacesToken(
  d: Pick<TokenDeps, 'tokens'>,
  token: string,
): Promise<{ userId: string } | null> {
  const who = await d.tokens.authenticateBearer(token)
  return who && who.clientId === WORKSPACES_CLIENT_ID ? { userId: who.userId } : null
}
