/**
 * The port for grade passback: where the LMS wants the grade of a session launched from it (its grade
 * target, saved at launch), and the passback of that grade once the learner finished (pending until the
 * LMS took it, or given up). Implementations: Kysely over SQLite and PostgreSQL
 * (`kysely/kysely-grade-store.ts`); every one passes `test/conformance/grade-store.suite.ts`.
 *
 * One record per session. "Conditional" methods change nothing and return null when their condition does
 * not hold, so two replicas never both post one grade at the same time.
 */

/**
 * Where a grade goes, by protocol: an LTI 1.1 outcome service (`lis_outcome_service_url` and
 * `lis_result_sourcedid` of the launch), or an AGS 2.0 line item with the scopes the platform granted
 * (the token URL and client id come from the LMS's registration).
 */
export type GradeTarget =
  | { kind: 'lti11'; serviceUrl: string; sourcedId: string }
  | { kind: 'ags'; lineitem: string; scope: string[] }

/** Where a passback stands: waiting for (another) attempt, taken by the LMS, or given up. */
export type PassbackState = 'pending' | 'done' | 'failed'

/** A session's grade target as a launch saves it. */
export interface NewGradeTarget {
  /** The session's name. */
  session: string
  /** The registered LMS's name. */
  lms: string
  /** labgate's user id (`<lms>:<id>`). */
  userId: string
  /** The LMS's id of the user (LTI 1.3 `sub`, LTI 1.1 `user_id`): AGS scores name it. */
  lmsUserId: string
  /** The launch's course (context) id, null when none was given. */
  course: string | null
  /** The lab's id in the LMS's registration. */
  lab: string | null
  target: GradeTarget
  /** When it was saved (ms). */
  at: number
}

/** A stored grade target and its passback. */
export interface GradeRecord extends Omit<NewGradeTarget, 'at'> {
  /** When the target was first saved and last replaced (ms). */
  createdAt: number
  updatedAt: number
  /** Null until the learner finished; then where the passback stands. */
  passback: PassbackState | null
  /** The grade to send, 0.0–1.0; null before the finish. */
  score: number | null
  /** Attempts started so far. */
  attempts: number
  /** A pending passback's next attempt (ms); null otherwise. */
  nextAt: number | null
  /** When the learner finished (ms); null before. */
  finishedAt: number | null
  /** Why the last attempt failed, null when none did. */
  lastError: string | null
}

/** How an attempt ended: done, given up, or to be retried at `nextAt`. */
export type PassbackSettlement =
  | { state: 'done' | 'failed'; lastError: string | null }
  | { state: 'pending'; nextAt: number; lastError: string | null }

export interface GradeStore {
  /**
   * Saves the grade target of `t.session`, replacing the target, user ids, course and lab of an earlier
   * launch of the same session (a re-launch) but never its passback. Idempotent.
   */
  saveTarget(t: NewGradeTarget): Promise<void>
  /** The session's record, or null when it has no grade target. */
  get(session: string): Promise<GradeRecord | null>
  /**
   * Conditional: starts the passback of `score` for a session that has a target and no passback yet
   * (pending, first attempt due at `at`). Returns the record, or null when there is no target or a
   * passback was started already (a second finish changes nothing).
   */
  enqueue(session: string, score: number, at: number): Promise<GradeRecord | null>
  /** Every pending passback, by next attempt ascending (start-up picks them up). */
  listPending(): Promise<GradeRecord[]>
  /**
   * Conditional: claims a pending passback whose attempt is due (`nextAt` ≤ `now`) for one attempt:
   * counts the attempt and moves `nextAt` to `leaseUntil`, so no one else takes it meanwhile (and it is
   * taken again if the claimer dies). Returns the claimed record, or null when it is not pending or not
   * due (someone else has it).
   */
  claim(session: string, now: number, leaseUntil: number): Promise<GradeRecord | null>
  /**
   * Conditional on the passback being pending at attempt `attempt` (the claim's count): records how the
   * attempt ended. Returns the record, or null when the condition does not hold (changes nothing).
   */
  settle(session: string, attempt: number, s: PassbackSettlement, at: number): Promise<GradeRecord | null>
}
