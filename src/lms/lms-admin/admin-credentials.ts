/**
 * The sign-in of an LMS's own administrator to labgate's pages for that LMS, in the grant model: an
 * access token of the `labgate-lms-admin` client scoped `lms-admin:<lms>:<name>` (the name as the LMS
 * gave it, base64url), hashed at rest, lasting {@link ADMIN_SIGN_IN_SECONDS}, revoked on sign-out.
 */
import { scopedTokens, type IssuedToken, type ScopedTokenDeps } from '../../auth/scoped-tokens.js'

/** How long an LMS admin's sign-in lasts, seconds. */
export const ADMIN_SIGN_IN_SECONDS = 8 * 3600

/** Who is signed in: the LMS and the administrator's name. */
export interface LmsAdminIdentity {
  lms: string
  name: string
}

/** LMS admin sign-ins: issue, check (the identity of an active token, else null), revoke. */
export function lmsAdminCredentials(d: ScopedTokenDeps) {
  const tokens = scopedTokens(d, {
    clientId: 'labgate-lms-admin',
    clientName: "LMS administrators' sign-ins",
    method: 'lms_admin',
    scopePrefix: 'lms-admin:',
  })
  return {
    issue: (who: LmsAdminIdentity): Promise<IssuedToken> =>
      tokens.issue(
        `${who.lms}:${Buffer.from(who.name, 'utf8').toString('base64url')}`,
        ADMIN_SIGN_IN_SECONDS,
      ),
    async check(token: string): Promise<(LmsAdminIdentity & { grant: string }) | null> {
      const found = await tokens.identify(token)
      const at = found?.value.lastIndexOf(':') ?? -1
      if (!found || at < 1) return null
      const name = Buffer.from(found.value.slice(at + 1), 'base64url').toString('utf8')
      return { lms: found.value.slice(0, at), name, grant: found.grant }
    },
    revoke: (grant: string) => tokens.revoke(grant),
  }
}

/** The LMS admin sign-ins' operations. */
export type LmsAdminCredentials = ReturnType<typeof lmsAdminCredentials>
