/**
 * The port for what an LMS's own administrator manages from inside the LMS (gateway4labs' LMS admin):
 * which of the LMS's courses may launch which of its labs and with what settings (course grants), the
 * LMS's teacher accounts and their LTI 1.1 keys, and the queue of launches waiting for a full lab.
 * Implementations: Kysely over SQLite and PostgreSQL (`kysely/kysely-lms-gateway-store.ts`); every one
 * passes `test/conformance/lms-gateway-store.suite.ts`.
 *
 * Everything is keyed by the LMS's registered name: no method reads or changes another LMS's rows
 * unless its arguments name that LMS. "Conditional" methods change nothing and return null when their
 * condition does not hold.
 */
import type { AvailabilityWindow } from '../domain/availability.js'

/** A course's settings for one lab, within the LMS's own for that lab. */
export interface CourseSettings {
  /** The longest a session launched from this course may last, seconds; 0 = no limit of its own. */
  timeAllowed: number
  /** Who is served first when the lab is full: higher first; 0 is the default. */
  priority: number
  /** When the course may launch the lab; `[]` = always. */
  windows: AvailabilityWindow[]
}

/** A course grant as the LMS admin saves it. */
export interface NewCourseGrant {
  lms: string
  /** The lab's id in the LMS's registration. */
  lab: string
  /** The LMS's id of the course (its context id). */
  course: string
  /** The course's name as the LMS listed it ('' when unknown). */
  courseName: string
  settings: CourseSettings
  /** Who granted it, for people (the LMS admin's full name). */
  by: string
  at: number
}

/** A stored course grant. */
export interface CourseGrantRecord extends Omit<NewCourseGrant, 'at'> {
  createdAt: number
  updatedAt: number
}

/** A teacher account as the LMS admin creates it. */
export interface NewTeacher {
  lms: string
  /** Assigned by the caller (a random id); unique. */
  id: string
  /** The teacher's name, unique within the LMS (compared as given). */
  name: string
  email: string | null
  /** Who created it (the LMS admin's full name). */
  by: string
  at: number
}

/** A stored teacher account. */
export interface TeacherRecord extends Omit<NewTeacher, 'at'> {
  createdAt: number
}

/**
 * A teacher's LTI 1.1 key for one lab. The secret itself is never stored: `secretHash` is its SHA-256
 * (hex), `salt` what the secret is derived from with the server key.
 */
export interface NewTeacherKey {
  /** The consumer key (public, random); unique among all keys. */
  key: string
  lms: string
  teacher: string
  lab: string
  salt: string
  secretHash: string
  at: number
}

/** A stored key; `revokedAt` null while it may be used. */
export interface TeacherKeyRecord extends Omit<NewTeacherKey, 'at'> {
  createdAt: number
  revokedAt: number | null
}

/** Where a waiting launch stands. */
export type WaiterState = 'waiting' | 'served' | 'gone'

/** A launch waiting for a place in a full lab. */
export interface NewWaiter {
  /** Assigned by the caller (random, unguessable); unique. */
  id: string
  lms: string
  lab: string
  /** The environment (workshop) whose place it waits for. */
  environment: string
  /** labgate's user id of the learner. */
  userId: string
  priority: number
  /** What to launch again when its turn comes (the launch as the protocol gave it), a JSON object. */
  launch: Record<string, unknown>
  at: number
}

/** A stored waiter. */
export interface WaiterRecord extends Omit<NewWaiter, 'at'> {
  state: WaiterState
  enqueuedAt: number
  /** When its waiting page last asked (ms); a waiter not seen for a while has left. */
  seenAt: number
  /** The session it was served, once `served`. */
  session: string | null
  settledAt: number | null
}

export interface LmsGatewayStore {
  /**
   * Saves the grant of `lab` to `course` of `lms`, replacing the name, settings and `by` of an existing
   * one (keeping its `createdAt`). Returns the stored grant.
   */
  putCourseGrant(g: NewCourseGrant): Promise<CourseGrantRecord>
  /** Deletes the grant; false when there was none. */
  deleteCourseGrant(lms: string, lab: string, course: string): Promise<boolean>
  /** The LMS's grants (of one lab when `lab` is given), by lab, then course, ascending. */
  listCourseGrants(lms: string, lab?: string): Promise<CourseGrantRecord[]>

  /** Creates a teacher; null (nothing written) when the LMS has a teacher of that name already. */
  createTeacher(t: NewTeacher): Promise<TeacherRecord | null>
  /** The LMS's teacher of that id, or null (another LMS's teacher is null). */
  getTeacher(lms: string, id: string): Promise<TeacherRecord | null>
  /** The LMS's teachers by name ascending. */
  listTeachers(lms: string): Promise<TeacherRecord[]>

  /** Stores a new key (the key is unique: a second one of the same key throws). */
  createTeacherKey(k: NewTeacherKey): Promise<TeacherKeyRecord>
  /** The key of that consumer key, revoked or not, of any LMS; null when none. */
  getTeacherKey(key: string): Promise<TeacherKeyRecord | null>
  /** The LMS's keys (of one teacher when given), newest first. */
  listTeacherKeys(lms: string, teacher?: string): Promise<TeacherKeyRecord[]>
  /** Conditional on the key being the LMS's and not revoked: revokes it at `at`; returns it revoked. */
  revokeTeacherKey(lms: string, key: string, at: number): Promise<TeacherKeyRecord | null>

  /** Adds a waiter (state `waiting`, seen at `at`). */
  enqueueWaiter(w: NewWaiter): Promise<WaiterRecord>
  /** The waiter of that id, or null. */
  getWaiter(id: string): Promise<WaiterRecord | null>
  /** The user's waiter still `waiting` for that environment, or null. */
  findWaiter(environment: string, userId: string): Promise<WaiterRecord | null>
  /**
   * The queue of an environment: its waiters still `waiting` and seen at or after `seenSince`, in the
   * order they are served: priority descending, then enqueued first, then id.
   */
  listWaiters(environment: string, seenSince: number): Promise<WaiterRecord[]>
  /** The waiters still `waiting`, of one LMS when given, in the order of {@link listWaiters}. */
  listAllWaiting(lms?: string): Promise<WaiterRecord[]>
  /** Conditional on `waiting`: records that its page asked at `at`. */
  touchWaiter(id: string, at: number): Promise<WaiterRecord | null>
  /** Conditional on `waiting`: ends the wait as `served` (with its session) or `gone`. */
  settleWaiter(
    id: string,
    outcome: { state: 'served'; session: string } | { state: 'gone' },
    at: number,
  ): Promise<WaiterRecord | null>
  /**
   * Deletes waiters settled before `at`, and waiters still `waiting` whose page was last seen before
   * `at` (long left); returns how many.
   */
  purgeWaitersBefore(at: number): Promise<number>
}
