/**
 * The port for the LMS audit trail: one record per interaction with an LMS (a login initiation, a launch,
 * a deep link, a grade post, a roster read, a basic-HTTP request, a remote reservation), whether it
 * succeeded, was refused or failed. Implementations: Kysely over SQLite and PostgreSQL
 * (`kysely/kysely-audit-store.ts`); every one passes `test/conformance/audit-store.suite.ts`.
 *
 * The trail is append-only: there is no way to change or delete one record. The only deletion is the
 * retention purge, {@link AuditStore.purgeBefore}, which drops every record older than a time.
 */

/**
 * What was attempted, by protocol. How it went is the record's `outcome`: a refused LTI 1.3 launch is a
 * `lti13.launch` record with outcome `refused` and the reason, never a kind of its own.
 * - `lti13.login`: an OIDC login initiation (`/lti/1.3/login`).
 * - `lti13.launch`: an LTI 1.3 resource link launch (`/lti/1.3/launch`).
 * - `lti13.deep_link`: a Deep Linking request and the content item answered to it.
 * - `lti11.launch`: an LTI 1.1 basic launch (OAuth 1.0a signed).
 * - `ags.score`: a score posted to an AGS line item (grade passback), one record per attempt.
 * - `lti11.outcome`: a grade posted to an LTI 1.1 outcome service (`replaceResult`), one record per attempt.
 * - `nrps.roster`: a roster read through Names and Role Provisioning Services.
 * - `basic_http.request`: a gateway4labs basic-HTTP request from an LMS plug-in.
 * - `remote.reserve`: a reservation asked of a remote lab system.
 *
 * The admin console's actions are audited here too, with `lms` null, `userId` the staff member who acted,
 * and the target and details in `data`:
 * - `admin.session.extend`, `admin.session.terminate`: a session extended or terminated (`data.session`).
 * - `admin.user.staff`: a user's staff flag set or cleared (`data.target`, `data.staff`).
 * - `admin.user.disable`: a user disabled or enabled (`data.target`, `data.disabled`).
 * - `admin.client.register`, `admin.client.disable`, `admin.client.rotate`: an OAuth client registered,
 *   disabled, or given a new secret (`data.client`; never a secret).
 * - `admin.job.stop`: a workspace job stopped for its owner (`data.job`, `data.owner`).
 *
 * An LMS's own administrator (gateway4labs' LMS admin) acts on that LMS only: the records name the LMS,
 * `userId` is null and `data.by` is the administrator's name as the LMS gave it:
 * - `lms_admin.sign_in`: the LMS asked for an admin sign-in link, or the link was used (`data.step`).
 * - `lms_admin.course.grant`, `lms_admin.course.revoke`: a lab granted to a course with its settings, or
 *   the grant removed (`course`, `lab`, `data.settings`).
 * - `lms_admin.teacher.create`: a teacher account made (`data.teacher`, `data.name`).
 * - `lms_admin.key.create`, `lms_admin.key.revoke`: a teacher's LTI 1.1 key for a lab made or revoked
 *   (`lab`, `data.teacher`, `data.key`: the consumer key, never the secret).
 * - `lms.queue`: a launch waited for a full lab: queued, served or left (`data.step`, `data.priority`).
 */
export type AuditKind =
  | 'lti13.login'
  | 'lti13.launch'
  | 'lti13.deep_link'
  | 'lti11.launch'
  | 'lti11.outcome'
  | 'ags.score'
  | 'nrps.roster'
  | 'basic_http.request'
  | 'remote.reserve'
  | 'admin.session.extend'
  | 'admin.session.terminate'
  | 'admin.user.staff'
  | 'admin.user.disable'
  | 'admin.client.register'
  | 'admin.client.disable'
  | 'admin.client.rotate'
  | 'admin.job.stop'
  | 'lms_admin.sign_in'
  | 'lms_admin.course.grant'
  | 'lms_admin.course.revoke'
  | 'lms_admin.teacher.create'
  | 'lms_admin.key.create'
  | 'lms_admin.key.revoke'
  | 'lms.queue'

/** Every {@link AuditKind}, for validation and help texts. */
export const AUDIT_KINDS: readonly AuditKind[] = [
  'lti13.login',
  'lti13.launch',
  'lti13.deep_link',
  'lti11.launch',
  'lti11.outcome',
  'ags.score',
  'nrps.roster',
  'basic_http.request',
  'remote.reserve',
  'admin.session.extend',
  'admin.session.terminate',
  'admin.user.staff',
  'admin.user.disable',
  'admin.client.register',
  'admin.client.disable',
  'admin.client.rotate',
  'admin.job.stop',
  'lms_admin.sign_in',
  'lms_admin.course.grant',
  'lms_admin.course.revoke',
  'lms_admin.teacher.create',
  'lms_admin.key.create',
  'lms_admin.key.revoke',
  'lms.queue',
]

/**
 * How an interaction went: `ok`; `refused` by labgate (a bad signature, a replayed nonce, a lab this LMS
 * may not use: the caller's fault, said in `reason`); `failed` on labgate's or a remote side (the LMS's
 * token endpoint down, a remote lab system's error).
 */
export type AuditOutcome = 'ok' | 'refused' | 'failed'

/** A record as appended: everything but the id the store assigns. */
export interface NewAuditRecord {
  /** When it happened, ms since the epoch (from the caller's clock). */
  at: number
  /**
   * The registered LMS's name (`spec.labgate.lms[].name`); null when the request named none labgate
   * knows (an unknown issuer or consumer key: put what it claimed in `data`).
   */
  lms: string | null
  kind: AuditKind
  /** labgate's user id (`<lms>:<sub>`), null when none was established (a refused launch, a login). */
  userId: string | null
  /** The LMS's course (context) id, null when none was given. */
  course: string | null
  /** The lab (workshop) asked for, null when none was named. */
  lab: string | null
  outcome: AuditOutcome
  /** Why it was refused or failed, in words for IT; null when `ok` needs no explanation. */
  reason: string | null
  /** Further details as a JSON object (claims' ids, a score, an HTTP status); never secrets or tokens. */
  data: Record<string, unknown>
}

/** A stored record. */
export interface AuditRecord extends NewAuditRecord {
  /** Assigned by the store, increasing in the order of appends, never reused. */
  id: number
}

/** Filters of {@link AuditStore.list}; absent fields do not filter. */
export interface AuditQuery {
  /** Records of this LMS only (exact name). */
  lms?: string
  /** Records at or after this time (ms). */
  since?: number
  /** Records before this time (ms). */
  until?: number
  /** Records with an id greater than this one: the next page after the last record read. */
  afterId?: number
  /** Records with an id less than this one: the next page of a `newest` listing. */
  beforeId?: number
  /** Records of this user only (exact id). */
  userId?: string
  /** Records of this course only (exact id). */
  course?: string
  /** Records with this outcome only. */
  outcome?: AuditOutcome
  /** Records of this kind only. */
  kind?: AuditKind
  /** Newest first (id descending) instead of oldest first. */
  newest?: boolean
  /** At most this many records (the first ones in the listing's order). */
  limit?: number
}

export interface AuditStore {
  /** Appends a record and returns it with its new id. The write is durable when this resolves. */
  append(record: NewAuditRecord): Promise<AuditRecord>
  /** Matching records by id ascending (descending with `newest`). A `limit` below 1 gives none. */
  list(query?: AuditQuery): Promise<AuditRecord[]>
  /**
   * The retention purge: deletes every record with `at` before `at` and returns how many. The one
   * deletion the trail allows; nothing calls it but an operator's retention policy.
   */
  purgeBefore(at: number): Promise<number>
}
