/**
 * The LMS gateway's HTTP face, as the portal's registrations call for it: the LTI 1.1 launch when some
 * LMS has `lti11` or `basicHttp` (whose administrators make teachers' LTI 1.1 keys), the LTI 1.3 tool when
 * some LMS has `lti13`, and when some LMS has `basicHttp`: gateway4labs' basic-HTTP requests, the sign-in
 * and pages of LMS administrators, and `labgate.js`. With any LMS, the waiting page of launches queued for
 * a full lab. One place for `main` to wire.
 */
import type { FastifyInstance } from 'fastify'
import type { SettingsStore } from '../auth/key-ring.js'
import type { BrokerDeps } from '../broker/deps.js'
import type { Authenticator } from '../http/authenticator.js'
import type { AuditStore } from '../store/audit-store.js'
import type { ScopedTokenDeps } from '../auth/scoped-tokens.js'
import type { GradeStore } from '../store/grade-store.js'
import type { LmsGatewayStore } from '../store/lms-gateway-store.js'
import type { NonceStore } from '../store/nonce-store.js'
import { basicHttpRoutes } from './basic-http-routes.js'
import { labgateScriptRoute } from './basic-http/script-route.js'
import { lti11Routes } from './lti11-routes.js'
import { setUpCoursePage } from './course/course-routes.js'
import { setUpDeepLinking } from './deep-linking/deep-linking-routes.js'
import { lmsAdminCredentials } from './lms-admin/admin-credentials.js'
import { LmsAdminGate } from './lms-admin/admin-gate.js'
import { lmsAdminConsoleRoutes } from './lms-admin/console/console-routes.js'
import { lmsAdminSignInRoutes } from './lms-admin/sign-in-routes.js'
import { lti13Routes } from './lti13-routes.js'
import { waitRoutes } from './queue/wait-routes.js'
import { PlatformKeys } from './lti13/platform-keys.js'
import type { ServiceTokens } from './lti13/service-token.js'
import { toolKeys } from './lti13/tool-keys.js'

export interface LmsSetupDeps {
  deps: BrokerDeps
  audit: AuditStore
  nonces: NonceStore
  /** Where launches keep the grade targets of their sessions. */
  grades: GradeStore
  /** Course grants, teachers' keys and the launch queue of LMS administrators. */
  gateway: LmsGatewayStore
  /** The grant model: LMS administrators' sign-ins are tokens in it. */
  tokens: ScopedTokenDeps
  settings: SettingsStore
  auth: Authenticator
  /** The server key: seals the tool's private keys and binds LTI 1.3 states to their nonces. */
  key: Uint8Array
  portalUrl: () => string
  trustProxy: boolean
  /** The LTI 1.3 service tokens (shared with grade passback, so one cache serves both). */
  serviceTokens: ServiceTokens
}

/** The route plugins the portal's LMS registrations need (none without registrations). */
export function setUpLms(o: LmsSetupDeps): ((app: FastifyInstance) => void)[] {
  const lms = o.deps.portal.labgate.lms
  const plugins: ((app: FastifyInstance) => void)[] = []
  if (lms.length === 0) return plugins
  const gateway = o.gateway
  if (lms.some((l) => l.lti11 || l.basicHttp))
    plugins.push((app) =>
      lti11Routes(app, {
        deps: o.deps,
        audit: o.audit,
        nonces: o.nonces,
        grades: o.grades,
        auth: o.auth,
        portalUrl: o.portalUrl,
        trustProxy: o.trustProxy,
        gateway,
        key: o.key,
      }),
    )
  if (lms.some((l) => l.lti13)) {
    const keys = toolKeys({ store: o.settings, clock: o.deps.clock, secret: o.key })
    const tokens = o.serviceTokens
    const common = { deps: o.deps, audit: o.audit, portalUrl: o.portalUrl, gateway }
    plugins.push((app) =>
      lti13Routes(app, {
        deps: o.deps,
        audit: o.audit,
        nonces: o.nonces,
        grades: o.grades,
        auth: o.auth,
        platformKeys: new PlatformKeys(),
        toolKeys: keys,
        stateKey: o.key,
        gateway,
        portalUrl: o.portalUrl,
        deepLinking: setUpDeepLinking(app, { ...common, nonces: o.nonces, toolKeys: keys, key: o.key }),
        instructorLaunch: setUpCoursePage(app, {
          ...common,
          auth: o.auth,
          serviceToken: (lms, scopes, fresh) => {
            const r = { tokenUrl: lms.lti13.tokenUrl, clientId: lms.lti13.clientId, scopes }
            if (fresh) tokens.forget(r)
            return tokens.token(r)
          },
        }),
      }),
    )
  }
  if (lms.some((l) => l.basicHttp))
    plugins.push((app) =>
      basicHttpRoutes(app, {
        deps: o.deps,
        audit: o.audit,
        nonces: o.nonces,
        auth: o.auth,
        key: o.key,
        portalUrl: o.portalUrl,
        gateway,
      }),
    )
  if (lms.some((l) => l.basicHttp)) {
    plugins.push(labgateScriptRoute)
    const credentials = lmsAdminCredentials(o.tokens)
    const gate = new LmsAdminGate({ credentials, registrations: () => o.deps.portal.labgate.lms })
    plugins.push((app) =>
      lmsAdminConsoleRoutes(app, {
        gate,
        store: o.deps.store,
        context: (admin) => ({
          lms: admin.lms,
          by: admin.name,
          gateway,
          audit: o.audit,
          clock: o.deps.clock,
          key: o.key,
          portalUrl: o.portalUrl(),
        }),
      }),
    )
    plugins.push((app) =>
      lmsAdminSignInRoutes(app, {
        registrations: () => o.deps.portal.labgate.lms,
        audit: o.audit,
        nonces: o.nonces,
        clock: o.deps.clock,
        credentials,
        gate,
        key: o.key,
        portalUrl: o.portalUrl,
      }),
    )
  }
  plugins.push((app) =>
    waitRoutes(app, () => ({
      ...o.deps,
      audit: o.audit,
      gateway,
      grades: o.grades,
      portalUrl: o.portalUrl(),
      key: o.key,
      registrations: o.deps.portal.labgate.lms,
    })),
  )
  return plugins
}
