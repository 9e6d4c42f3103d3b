/**
 * The portal the admin console's and the admin API's tests run against (fake backend): the staff
 * account, open registration, one LMS (LTI 1.1 and basic HTTP, two labs) and two workshops, `w` with a
 * capacity and a reserve and `v` unlimited; and the helpers both suites read it with.
 */
import type { Harness } from '../harness.js'
import { startHarness } from '../harness.js'
import { AdminClient, learnerClient, STAFF } from './admin-client.js'

/** The LMS's secrets, which no admin page or answer may show. */
export const LMS_SECRETS = { lti11: 'moodle-secret-value-0123', basicHttp: 'g4l-password-value-0123' }

/** The portal, staff signed in at it, and a registered learner `ada` signed in. */
export interface AdminPortal {
  h: Harness
  staff: AdminClient
  learner: AdminClient
}

/** Starts the portal and signs staff and `ada` in; the caller closes `h`. */
export async function startAdminPortal(): Promise<AdminPortal> {
  const h = await startHarness({
    backend: 'fake',
    admin: STAFF,
    registration: { enabled: true },
    lms: [
      {
        name: 'moodle',
        lti11: { key: 'moodle-key', secret: LMS_SECRETS.lti11 },
        basicHttp: { username: 'moodle-g4l', password: LMS_SECRETS.basicHttp },
        labs: [
          { id: 'intro', workshop: 'w' },
          { id: 'course-only', workshop: 'v', courses: [{ contextId: 'c-101' }] },
        ],
      },
    ],
    workshops: [
      { name: 'w', capacity: 5, reserved: 1, expires: '10m', deadline: '60m' },
      { name: 'v', capacity: 0, reserved: 0 },
    ],
  })
  const staff = await new AdminClient(h.url).signIn(STAFF.username, STAFF.password)
  return { h, staff, learner: await learnerClient(h, 'ada') }
}

/** The audit records of `kind`, oldest first. */
export const auditRecords = (h: Harness, kind: string) =>
  h.lg.db.audit.list().then((r) => r.filter((x) => x.kind === kind))

/** The id of the user `username` (who must exist). */
export const userIdOf = async (h: Harness, username: string) =>
  (await h.lg.deps.store.getUserByUsername(username))!.id

/** Asks `POST /oauth2/token` for a `reports` token with client credentials (HTTP Basic). */
export const clientToken = (h: Harness, id: string, secret: string) =>
  fetch(`${h.url}/oauth2/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'reports' }),
  })
