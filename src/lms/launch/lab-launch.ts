/**
 * A launch from an LMS as its protocol gave it (`LabLaunch`), and how it ended (`LaunchOutcome`): the
 * shapes `launchLab` takes and answers, apart so that what keeps a launch (the queue) needs only them.
 */
import type { LmsRegistration } from '../../config/types.js'
import type { LaunchRefusal } from '../../domain/lms-permissions.js'
import type { AuditKind } from '../../store/audit-store.js'
import type { GradeTarget } from '../../store/grade-store.js'

/** Who launches what, from where, as the protocol gave it. */
export interface LabLaunch {
  lms: LmsRegistration
  kind: AuditKind
  /** The LMS's id of the user (LTI `sub` or `user_id`); labgate's user is `<lms>:<id>`. */
  lmsUserId: string
  labId: string | null
  contextIds: string[]
  person: { email?: string; givenName?: string; familyName?: string }
  /** Where the dashboard's "back" goes (the LMS's return URL), when it gave one. */
  returnUrl: string | null
  /** More for the audit record (resource link, roles, ...). */
  data: Record<string, unknown>
  /** The learner's browser, when the route knows it (recorded with the launch). */
  browser?: { userAgent?: string; ip?: string; referer?: string }
  /**
   * Where the LMS wants the grade when the learner finishes (LTI 1.1 outcome service, AGS line item),
   * when it wants one. Saved against the session on a successful launch (a re-launch replaces it).
   */
  gradeTarget?: GradeTarget
  /**
   * A launch signed with a teacher's key: the lab is the key's, any course may launch it (the teacher
   * added it to theirs), within the LMS's own settings for the lab.
   */
  teacher?: { id: string; name: string; key: string }
  /** The waiter whose turn this is, for a launch made again from the queue. */
  waiter?: string
}

export type LaunchOutcome =
  | {
      ok: true
      /** The session launched. */
      session: string
      userId: string
      /**
       * Where the browser goes: the session's activation URL (it signs the browser in, a path of the
       * portal), or for a remote lab (`remote`) the lab system's `load_url` (absolute).
       */
      location: string
      remote: boolean
      /**
       * The session was activated before (an earlier launch): its activation URL is used up, so the
       * caller signs the browser in itself and sends it to `dashboard` (see `enterSession`).
       */
      activated: boolean
      dashboard: string
      /** When the session ends (ms), or null. */
      expiresAt: number | null
    }
  | {
      ok: false
      status: number
      title: string
      reason: string
      /** Present when the lab is full and the launch waits: the waiter (status 202); see `queue/`. */
      waiter?: string
      /** Why the LMS's permissions refused it, when they did. */
      code?: LaunchRefusal
    }
