/**
 * Every session's dashboard is an OAuth client of the portal (as Educates registers one per session):
 * a public client, id `labgate-session.<session>`, allowed only the code flow with PKCE, whose one
 * redirect URI is the session's own `_labgate/oauth_callback`. Registered on first use.
 */
import { registerClient } from '../auth/clients.js'
import type { Clock } from '../domain/clock.js'
import type { AuthStore } from '../store/auth-store.js'

/** Prefix of the session clients' ids. */
export const SESSION_CLIENT_PREFIX = 'labgate-session.'
/** The one scope a session client asks for. */
export const SESSION_SCOPE = 'session'
/** How long a dashboard's sign-in lasts (s); after it the dashboard runs the code flow again. */
export const SESSION_SIGN_IN_TTL = 12 * 3600

/** The client id of session `name`'s dashboard. */
export const sessionClientId = (name: string): string => `${SESSION_CLIENT_PREFIX}${name}`

/** The session a client id belongs to, or null when it is not a session client. */
export function sessionOfClient(clientId: string): string | null {
  return clientId.startsWith(SESSION_CLIENT_PREFIX) ? clientId.slice(SESSION_CLIENT_PREFIX.length) : null
}

/** Registers session clients on first use and keeps their redirect URI current. One per process. */
export class SessionClients {
  /** `name` → the redirect URI registered for it (so a known client costs no query). */
  readonly #known = new Map<string, string>()

  constructor(private readonly deps: { auth: AuthStore; clock: Clock }) {}

  /**
   * Makes sure session `name` has its client with exactly `redirectUri` (the portal's public URL may have
   * changed since it was registered); returns the client id.
   */
  async ensure(name: string, redirectUri: string): Promise<string> {
    const id = sessionClientId(name)
    if (this.#known.get(name) === redirectUri) return id
    const { auth, clock } = this.deps
    const client = await auth.getClient(id)
    let current = client?.redirectUris
    if (!client) {
      try {
        await registerClient(auth, clock, {
          id,
          name: `labgate session ${name} (dashboard)`,
          kind: 'session',
          grantTypes: ['authorization_code'],
          scopes: [SESSION_SCOPE],
          redirectUris: [redirectUri],
          usageRules: { access_token: { expiresIn: SESSION_SIGN_IN_TTL } },
        })
        current = [redirectUri]
      } catch (e) {
        // registered meanwhile by a concurrent request (its URI is set just below); anything else throws
        if (!(await auth.getClient(id))) throw e
      }
    }
    if (current?.length !== 1 || current[0] !== redirectUri)
      await auth.updateClient(id, { redirectUris: [redirectUri] })
    if (this.#known.size >= 10_000) this.#known.clear()
    this.#known.set(name, redirectUri)
    return id
  }
}
