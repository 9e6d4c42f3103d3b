import { asFirstWriterOrReader } from './first-writer.js'
import type { Authenticator } from '../http/authenticator.js'
import { registerClient } from '../auth/clients.js'
import { GrantManager, type GrantStart } from '../auth/grant-manager.js'
import { ensureRobot, type RobotCredentials } from '../auth/provision.js'
import { ensureStaffUser } from '../auth/staff.js'
import { TokenCache } from '../auth/token-cache.js'
import type { PortalDefinition } from '../config/types.js'
import type { Clock } from '../domain/clock.js'
import { SESSION_SCOPE, SESSION_SIGN_IN_TTL, sessionClientId } from '../gateway/session-client.js'
import type { AuthStore } from '../store/auth-store.js'

export type { RobotCredentials }

/** The OAuth client behind browser sign-in cookies. */
export const PORTAL_CLIENT_ID = 'labgate-portal'

/**
 * Wires the grant/token model into the server: provisions the robot (user and client) and the portal's
 * own browser client, and returns the `Authenticator` the routes use
 * (`/oauth2/token/`, `/oauth2/revoke-token/`).
 */
export async function setUpAuth(o: { auth: AuthStore; clock: Clock; key: Buffer; portal: PortalDefinition }) {
  const grants = new GrantManager({ auth: o.auth, clock: o.clock, secret: o.key })
  // Replicas starting together on one database may race to create these: the loser reads the winner's.
  const robot = await asFirstWriterOrReader(() =>
    ensureRobot({ auth: o.auth, clock: o.clock, ...definedOnly(o.portal.robot) }),
  )
  const admin = o.portal.admin
  if (admin?.username && admin.password)
    await asFirstWriterOrReader(() => ensureStaffUser(o.auth, o.clock, admin.username!, admin.password!))
  await asFirstWriterOrReader(async () => {
    if (await o.auth.getClient(PORTAL_CLIENT_ID)) return
    await registerClient(o.auth, o.clock, {
      id: PORTAL_CLIENT_ID,
      name: 'labgate portal (browser sign-in)',
      kind: 'session',
      grantTypes: [],
      scopes: ['portal'],
    })
  })
  const cache = new TokenCache({ grants, clock: o.clock })
  const kinds = new Map<string, string | null>()
  const clientKind = async (id: string) => {
    if (!kinds.has(id)) kinds.set(id, (await o.auth.getClient(id))?.kind ?? null)
    return kinds.get(id)
  }

  // The browser's first requests with the new cookies (the dashboard, its terminal) need no lookup.
  const startAndRemember = async (starts: GrantStart[]) => {
    const generation = cache.generation
    const started = await grants.startGrants(starts)
    for (const g of started) cache.remember(g, generation)
    return started
  }

  const authenticator: Authenticator = {
    async bearer(token) {
      // The Educates API takes tokens of robot-kind clients only (the robot client: robots and staff via
      // the password grant). Browser cookies, gateway cookies and tokens of other OAuth clients (code flow,
      // client credentials, exchange) are not API credentials.
      const who = await cache.authenticateBearer(token)
      return who && (await clientKind(who.clientId)) === 'robot' ? { userId: who.userId } : null
    },
    async browserLogin(userId, ttlSeconds) {
      const [portal] = await startAndRemember([portalSignIn(userId, ttlSeconds)])
      return portal!.token.value
    },
    async browserLoginWithDashboard(userId, ttlSeconds, session) {
      const [portal, dashboard] = await startAndRemember([
        portalSignIn(userId, ttlSeconds),
        {
          signIn: { userId, clientId: sessionClientId(session), authnEvent: { method: 'activation' } },
          grant: { scope: [SESSION_SCOPE] },
          cls: 'access_token',
          opts: { expiresIn: SESSION_SIGN_IN_TTL },
        },
      ])
      const ends = dashboard!.token.expiresAt
      return {
        portal: portal!.token.value,
        dashboard: dashboard!.token.value,
        dashboardTtl:
          ends === null ? SESSION_SIGN_IN_TTL : Math.max(1, Math.floor((ends - o.clock.now()) / 1000)),
      }
    },
    async browserLogout(cookie) {
      const found = await grants.findToken(cookie)
      // Only the portal's own sign-in tokens: a cookie holding some other credential is just dropped.
      // Its whole user sign-in ends: the client sign-ins made through it (dashboards, apps) end with it.
      if (found && found.client.id === PORTAL_CLIENT_ID) await grants.revokeUserSignIn(found.userSignIn.id)
    },
    async browserSession(cookie) {
      const who = await cache.authenticateBearer(cookie)
      return who && who.clientId === PORTAL_CLIENT_ID ? { userId: who.userId } : null
    },
    async gatewaySession(cookie, session) {
      const who = await cache.authenticateBearer(cookie)
      // the session's own dashboard client (the code flow of gateway/sign-in.ts); never another session's
      return who && who.clientId === sessionClientId(session) ? { userId: who.userId } : null
    },
  }

  return { authenticator, robot, grants, tokens: cache, close: () => cache.close() }
}

/** A browser's sign-in to the portal as `userId` for `ttlSeconds`: its grant and cookie token. */
function portalSignIn(userId: string, ttlSeconds: number): GrantStart {
  return {
    signIn: {
      userId,
      clientId: PORTAL_CLIENT_ID,
      authnEvent: { method: 'activation' },
      expiresIn: ttlSeconds,
    },
    grant: { scope: ['portal'], expiresIn: ttlSeconds },
    cls: 'access_token',
    opts: { expiresIn: ttlSeconds },
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
