/**
 * The upper part of the tree: user sign-ins, client sign-ins and grants, addressed by sealed sign-in keys.
 * `GrantManager` exposes these functions as methods; the contracts are documented there.
 */
import { randomUUID } from 'node:crypto'
import { badRequest, forbidden, notFound } from '../domain/errors.js'
import type {
  AuthnEvent,
  ClientSignInRecord,
  GrantContext,
  GrantRecord,
  UserSignInRecord,
} from '../store/auth-records.js'
import type { AuthStore } from '../store/auth-store.js'
import type { SignInKeys, SignInPath } from './sign-in-key.js'
import { ephemeralSub, type SubjectType } from './subject-id.js'
import type { UsageRules } from './token-class.js'

export interface OpenSignInInput {
  userId: string
  clientId: string
  /** How the user authenticated; `at` defaults to now, `method` to `unspecified`. */
  authnEvent?: Partial<AuthnEvent>
  /** Subject identifier the client sees; default the user id (`public`). */
  sub?: string
  /**
   * How `sub` was made; default `public`. With `ephemeral` every grant of the client sign-in gets a new
   * random sub (and `sub` only stands for the client sign-in itself).
   */
  subType?: SubjectType
  /** A sign-in key whose user sign-in the new client sign-in joins (one sign-in, several clients). */
  userSignInOf?: string
  /**
   * The id of a user sign-in to join, for trusted callers that found it themselves (the authorization
   * endpoint, through the browser's own sign-in token). Checked like `userSignInOf`'s.
   */
  userSignInId?: string
  /** Lifetime of a new user sign-in in seconds; default until revoked. Ignored when joining one. */
  expiresIn?: number | null
}

export interface AddGrantInput {
  scope: string[]
  claims?: Record<string, unknown>
  resources?: string[]
  /** Grant lifetime in seconds; default until revoked. Tokens never outlive their grant. */
  expiresIn?: number | null
  /** Per-class rules over the defaults (a client's own rules still take precedence). */
  usageRules?: UsageRules
}

/** Everything a sign-in key points at. */
export interface SignInInfo extends SignInPath {
  userSignIn: UserSignInRecord
  clientSignIn: ClientSignInRecord
  grant: GrantRecord | null
}

/** What these functions work with. */
export interface SignInCtx {
  auth: AuthStore
  keys: SignInKeys
  now: number
}

const expiry = (now: number, expiresIn: number | null | undefined) =>
  expiresIn === null || expiresIn === undefined ? null : now + expiresIn * 1000

const isLive = (us: UserSignInRecord, now: number) =>
  !us.revoked && (us.expiresAt === null || us.expiresAt > now)

/** The id of the user sign-in named by `userSignInOf` or `userSignInId`; undefined when neither is given. */
async function joinedUserSignIn(keys: SignInKeys, input: OpenSignInInput): Promise<string | undefined> {
  if (input.userSignInOf === undefined) return input.userSignInId
  const path = await keys.open(input.userSignInOf)
  if (!path) throw badRequest('invalid sign-in key')
  return path.userSignInId
}

/**
 * The user sign-in a new client sign-in joins (`userSignInOf`'s or `userSignInId`), or a new one; a new
 * one checks that the user exists unless `userKnown`.
 */
async function userSignInFor(
  { auth, keys, now }: SignInCtx,
  input: OpenSignInInput,
  userKnown = false,
): Promise<UserSignInRecord> {
  const joined = await joinedUserSignIn(keys, input)
  if (joined !== undefined) {
    const us = await auth.getUserSignIn(joined)
    if (!us || us.userId !== input.userId || !isLive(us, now))
      throw forbidden('the user sign-in is not active')
    return us
  }
  if (!userKnown && !(await auth.getUserCredentials(input.userId)))
    throw notFound(`user ${input.userId} does not exist`)
  const event: AuthnEvent = {
    ...input.authnEvent,
    method: input.authnEvent?.method ?? 'unspecified',
    at: input.authnEvent?.at ?? now,
  }
  return auth.createUserSignIn({
    id: randomUUID(),
    userId: input.userId,
    authnEvent: event,
    createdAt: now,
    expiresAt: expiry(now, input.expiresIn),
  })
}

/** The client sign-in of `input` under user sign-in `userSignInId`. */
function createClientSignIn(auth: AuthStore, input: OpenSignInInput, userSignInId: string, now: number) {
  return auth.createClientSignIn({
    id: randomUUID(),
    userSignInId,
    clientId: input.clientId,
    sub: input.sub ?? input.userId,
    subType: input.subType ?? 'public',
    createdAt: now,
  })
}

/** Creates a client sign-in (and a user sign-in unless joining one); returns its sealed key. */
export async function openSignIn(ctx: SignInCtx, input: OpenSignInInput): Promise<string> {
  const { auth, keys, now } = ctx
  if (!(await auth.getClient(input.clientId))) throw notFound(`OAuth client ${input.clientId} does not exist`)
  const userSignInId = (await userSignInFor(ctx, input)).id
  const clientSignIn = await createClientSignIn(auth, input, userSignInId, now)
  return keys.seal({
    userId: input.userId,
    clientId: input.clientId,
    userSignInId,
    clientSignInId: clientSignIn.id,
  })
}

/** What a sign-in key points at; null for an invalid key or missing rows. */
export async function readSignIn({ auth, keys }: SignInCtx, signInKey: string): Promise<SignInInfo | null> {
  const path = await keys.open(signInKey)
  if (!path) return null
  const [us, cs, g] = await Promise.all([
    auth.getUserSignIn(path.userSignInId),
    auth.getClientSignIn(path.clientSignInId),
    path.grantId === undefined ? null : auth.getGrant(path.grantId),
  ])
  if (!us || !cs) return null
  return { ...path, userSignIn: us, clientSignIn: cs, grant: g }
}

/** The row of a new grant under `cs`. */
function newGrant(cs: ClientSignInRecord, input: AddGrantInput, now: number) {
  return {
    id: randomUUID(),
    clientSignInId: cs.id,
    scope: input.scope,
    claims: input.claims ?? {},
    resources: input.resources ?? [],
    sub: cs.subType === 'ephemeral' ? ephemeralSub() : cs.sub,
    usageRules: input.usageRules ?? {},
    createdAt: now,
    expiresAt: expiry(now, input.expiresIn),
  }
}

/** Creates a grant under the client sign-in of `signInKey`; returns it and a key naming it. */
export async function addGrant(
  ctx: SignInCtx,
  signInKey: string,
  input: AddGrantInput,
): Promise<{ grant: GrantRecord; signInKey: string }> {
  const info = await readSignIn(ctx, signInKey)
  if (!info) throw badRequest('invalid sign-in key')
  const { auth, keys, now } = ctx
  if (info.clientSignIn.revoked || !isLive(info.userSignIn, now)) throw forbidden('the sign-in is not active')
  const grant = await auth.createGrant(newGrant(info.clientSignIn, input, now))
  const { userId, clientId, userSignInId, clientSignInId } = info
  return {
    grant,
    signInKey: await keys.seal({ userId, clientId, userSignInId, clientSignInId, grantId: grant.id }),
  }
}

/**
 * {@link openSignIn} and {@link addGrant} at once, keeping the rows it makes: the new grant with everything
 * above it (as `AuthStore.grantContext` would read it back) and a key naming the grant. `joining`, a live
 * user sign-in of the same user already in hand, is joined without reading it again (`userSignInOf` and
 * `userSignInId` are then ignored). Same errors as the two.
 */
export async function openGrant(
  ctx: SignInCtx,
  input: OpenSignInInput,
  grantInput: AddGrantInput,
  joining?: { userSignIn: UserSignInRecord; user: GrantContext['user'] },
): Promise<{ tree: GrantContext; signInKey: string }> {
  const { auth, keys, now } = ctx
  const client = await auth.getClient(input.clientId)
  if (!client) throw notFound(`OAuth client ${input.clientId} does not exist`)
  if (joining && (joining.user.id !== input.userId || !isLive(joining.userSignIn, now)))
    throw forbidden('the user sign-in is not active')
  const user = joining?.user ?? (await userRef(auth, input.userId))
  const userSignIn = joining?.userSignIn ?? (await userSignInFor(ctx, input, true))
  const clientSignIn = await createClientSignIn(auth, input, userSignIn.id, now)
  const grant = await auth.createGrant(newGrant(clientSignIn, grantInput, now))
  const signInKey = await keys.seal({
    userId: input.userId,
    clientId: input.clientId,
    userSignInId: userSignIn.id,
    clientSignInId: clientSignIn.id,
    grantId: grant.id,
  })
  return { tree: { grant, clientSignIn, userSignIn, client, user }, signInKey }
}

/** The user `id` as a grant's tree names it; not_found when there is none. */
async function userRef(auth: AuthStore, id: string): Promise<GrantContext['user']> {
  const found = await auth.getUserCredentials(id)
  if (!found) throw notFound(`user ${id} does not exist`)
  return { id: found.id, kind: found.kind, username: found.username }
}
