/**
 * People who sign in to the portal with a password: registered users and staff. Sign-in lookup, one-step
 * registration and the admin generated on first start. Passwords are stored only as scrypt hashes.
 */
import { randomUUID } from 'node:crypto'
import type { Clock } from '../domain/clock.js'
import type { UserKind } from '../domain/types.js'
import { badRequest, conflict, LabgateError } from '../domain/errors.js'
import type { AuthStore } from '../store/auth-store.js'
import { checkUserDetails } from '../domain/user-details.js'
import { hashPassword, randomToken } from './secrets.js'
import { UNMETERED_CHECKS, type SecretChecker } from './secret-gate.js'

/** Shortest password accepted at registration. */
export const MIN_PASSWORD_LENGTH = 12
const MAX_PASSWORD_LENGTH = 1024
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,149}$/
/** Usernames nobody may register: the generated admin's, and names that look like it. */
const RESERVED = new Set(['admin', 'administrator', 'root', 'staff', 'robot'])
/** The generated admin's username. */
export const GENERATED_ADMIN = 'admin'

/** Who may sign in at the portal with a password. */
const SIGN_IN_KINDS: readonly UserKind[] = ['registered', 'staff']

export interface SignInCandidate {
  id: string
  kind: UserKind
  passwordHash: string | null
  /** Disabled by staff: never signs in. */
  disabled: boolean
}

/**
 * The account `identifier` names: the user with that username, else the only registered or staff user
 * with that email address (case-insensitive). Null when none (or several) match. No password check.
 */
export async function findSignInUser(auth: AuthStore, identifier: string): Promise<SignInCandidate | null> {
  let user = await auth.findUserByUsername(identifier)
  if (!user && identifier.includes('@')) {
    const found = await auth.findUsersByEmail(identifier, SIGN_IN_KINDS, 2)
    if (found.length === 1) user = found[0]!
  }
  return user
    ? { id: user.id, kind: user.kind, passwordHash: user.passwordHash, disabled: user.disabled }
    : null
}

/**
 * True when `password` is the password of `user`, a registered or staff user who is not disabled. Always runs exactly one
 * scrypt verification (against a dummy hash for unknown users and other kinds), so the time taken does
 * not tell whether the account exists. `checks` meters the hashing (see `SecretGate`); it may throw
 * `TooManyHashes`.
 */
export async function checkSignInPassword(
  user: SignInCandidate | null,
  password: string,
  checks: SecretChecker = UNMETERED_CHECKS,
): Promise<boolean> {
  const allowed = user !== null && SIGN_IN_KINDS.includes(user.kind) && !user.disabled
  const ok = await checks.password(password.slice(0, MAX_PASSWORD_LENGTH), allowed ? user.passwordHash : null)
  return allowed && ok && password.length <= MAX_PASSWORD_LENGTH
}

export interface Registration {
  username: string
  email?: string
  password: string
  confirm: string
}

/**
 * Creates a `registered` user with a scrypt hash of the password; returns its id. Throws `bad_request`
 * (invalid or reserved username, invalid email, password shorter than 12 characters or not confirmed)
 * and `conflict` (username, or email address, already in use; compared case-insensitively).
 */
export async function registerUser(auth: AuthStore, clock: Clock, r: Registration): Promise<string> {
  const username = r.username.trim()
  const email = r.email?.trim() || undefined
  if (!USERNAME.test(username))
    throw badRequest(
      'Choose a username of up to 150 letters, digits and . _ @ + - (starting with a letter or digit).',
    )
  if (RESERVED.has(username.toLowerCase())) throw badRequest('That username is reserved: choose another.')
  checkUserDetails({ email })
  if (r.password.length < MIN_PASSWORD_LENGTH)
    throw badRequest(`Choose a password of at least ${MIN_PASSWORD_LENGTH} characters.`)
  if (r.password.length > MAX_PASSWORD_LENGTH)
    throw badRequest(`Choose a password of at most ${MAX_PASSWORD_LENGTH} characters.`)
  if (r.password !== r.confirm) throw badRequest('The two passwords differ.')
  if (r.password === username) throw badRequest('The password must differ from the username.')

  if (await auth.isUsernameTaken(username)) throw conflict('That username is taken: choose another.')
  if (email && (await auth.isEmailTaken(email, SIGN_IN_KINDS)))
    throw conflict('An account with that email address exists: sign in instead.')
  const id = randomUUID()
  const passwordHash = await hashPassword(r.password)
  try {
    await auth.createUser({
      id,
      username,
      kind: 'registered',
      email: email ?? null,
      passwordHash,
      at: clock.now(),
    })
  } catch (e) {
    // A concurrent registration won the unique username.
    if (e instanceof LabgateError && e.code === 'conflict')
      throw conflict('That username is taken: choose another.')
    throw e
  }
  return id
}

/**
 * On a portal without any staff user, creates the staff user `admin` with a random password and returns
 * its credentials: the only time the password exists in plain text (only its scrypt hash is stored).
 * Returns null when a staff user exists already (one from `spec.portal.credentials.admin`, or this
 * function's from an earlier start) or when `admin` is taken by a non-staff user.
 */
export async function ensureFirstAdmin(
  auth: AuthStore,
  clock: Clock,
): Promise<{ username: string; password: string } | null> {
  if (await auth.hasUserOfKind('staff')) return null
  const password = randomToken(18)
  const created = await auth.createUserIfAbsent({
    id: randomUUID(),
    username: GENERATED_ADMIN,
    kind: 'staff',
    passwordHash: await hashPassword(password),
    at: clock.now(),
  })
  return created ? { username: GENERATED_ADMIN, password } : null
}
