/** Clients an admin registers for the authorization server (confidential or public). */
import { registerClient } from '../auth/clients.js'
import { hashPassword, randomToken } from '../auth/secrets.js'
import { SUBJECT_TYPES, type SubjectType } from '../auth/subject-id.js'
import type { Clock } from '../domain/clock.js'
import { badRequest, notFound } from '../domain/errors.js'
import type { AuthStore } from '../store/auth-store.js'

/** The RFC 8693 grant type. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange'

/** Grant types a registered client may be allowed. */
export const REGISTRABLE_GRANT_TYPES = [
  'authorization_code',
  'refresh_token',
  'client_credentials',
  'password',
  TOKEN_EXCHANGE_GRANT,
] as const

export interface RegisterOAuthClientInput {
  name: string
  /** True: the client gets a secret and must authenticate; false: a public client (PKCE required). */
  confidential: boolean
  /** Absolute URIs, matched exactly at the authorization endpoint. */
  redirectUris?: string[]
  /** Default `authorization_code` and `refresh_token`. */
  grantTypes?: string[]
  /** Scopes it may ask for. Default `openid profile email`. */
  scopes?: string[]
  /** The `sub` its users get (OIDC Core §8); default `public`. */
  subjectType?: SubjectType
  /**
   * The sector of a `pairwise` client: clients of one sector see the same sub for a user. Default the
   * host of its redirect URIs when they share one (OIDC Core §8.1), else the client id.
   */
  sectorIdentifier?: string
}

/**
 * Registers a client of kind `registered` with a random id. Returns the id and, for a confidential client,
 * its secret: shown this once, only its hash is stored. Throws bad_request for an unknown grant type, a
 * public client with `client_credentials`, a redirect URI that is not absolute or has a fragment, an
 * unknown subject type, or a sector identifier on a client that is not pairwise.
 */
export async function registerOAuthClient(
  deps: { auth: AuthStore; clock: Clock },
  input: RegisterOAuthClientInput,
): Promise<{ clientId: string; clientSecret: string | null }> {
  const grantTypes = input.grantTypes ?? ['authorization_code', 'refresh_token']
  for (const g of grantTypes)
    if (!(REGISTRABLE_GRANT_TYPES as readonly string[]).includes(g))
      throw badRequest(`unknown grant type ${g}`)
  if (!input.confidential && grantTypes.includes('client_credentials'))
    throw badRequest('a public client cannot use client_credentials')
  const redirectUris = input.redirectUris ?? []
  for (const uri of redirectUris) {
    if (!URL.canParse(uri) || new URL(uri).hash !== '' || uri.includes('#'))
      throw badRequest(`invalid redirect URI ${uri}`)
  }
  const subjectType = input.subjectType ?? 'public'
  if (!SUBJECT_TYPES.includes(subjectType))
    throw badRequest(`unknown subject type ${String(subjectType)}: use ${SUBJECT_TYPES.join(', ')}`)
  if (input.sectorIdentifier !== undefined && subjectType !== 'pairwise')
    throw badRequest('a sector identifier is only for pairwise clients')
  const hosts = new Set(redirectUris.map((u) => new URL(u).host))
  const sector =
    subjectType !== 'pairwise'
      ? undefined
      : (input.sectorIdentifier ?? (hosts.size === 1 ? [...hosts][0] : undefined))
  const secret = input.confidential ? randomToken(32) : undefined
  const client = await registerClient(deps.auth, deps.clock, {
    name: input.name,
    kind: 'registered',
    secret,
    grantTypes,
    scopes: input.scopes ?? ['openid', 'profile', 'email'],
    redirectUris,
    subjectType,
    ...(sector !== undefined ? { sectorIdentifier: sector } : {}),
  })
  return { clientId: client.id, clientSecret: secret ?? null }
}

/** A registered client as an admin sees it (never its secret). */
export interface OAuthClientSummary {
  clientId: string
  name: string
  confidential: boolean
  redirectUris: string[]
  grantTypes: string[]
  scopes: string[]
  subjectType: SubjectType
  sectorIdentifier: string | null
  disabled: boolean
  createdAt: number
}

/** Every client an admin registered, oldest first (labgate's own robot and session clients are not listed). */
export async function listOAuthClients(auth: AuthStore): Promise<OAuthClientSummary[]> {
  return (await auth.listClients('registered')).map((c) => ({
    clientId: c.id,
    name: c.name,
    confidential: c.confidential,
    redirectUris: c.redirectUris,
    grantTypes: c.grantTypes,
    scopes: c.scopes,
    subjectType: c.subjectType,
    sectorIdentifier: c.sectorIdentifier,
    disabled: c.disabled,
    createdAt: c.createdAt,
  }))
}

/**
 * Disables a registered client: it can no longer authenticate or send users to the authorization
 * endpoint, every token it holds becomes inactive (its client sign-ins are revoked too, so re-enabling
 * is not possible), and the consent users gave it is forgotten. Idempotent. Throws not_found for an
 * unknown id or one of labgate's own clients.
 */
export async function disableOAuthClient(
  deps: { auth: AuthStore; clock: Clock },
  clientId: string,
): Promise<void> {
  const { auth, clock } = deps
  await auth.transaction(async (tx) => {
    const client = await tx.getClient(clientId)
    if (!client || client.kind !== 'registered') throw notFound(`no registered OAuth client ${clientId}`)
    await tx.disableClient(clientId, clock.now())
    await tx.revokeClientSignInsOf(clientId)
    await tx.forgetConsents(clientId)
  })
}

/**
 * Gives a confidential registered client a new random secret and returns it: shown this once, only its
 * scrypt hash is stored, and the old secret stops working at once (tokens already issued stay valid).
 * Throws not_found for an unknown id or one of labgate's own clients, bad_request for a disabled or a
 * public client.
 */
export async function rotateOAuthClientSecret(deps: { auth: AuthStore }, clientId: string): Promise<string> {
  const client = await deps.auth.getClient(clientId)
  if (!client || client.kind !== 'registered') throw notFound(`no registered OAuth client ${clientId}`)
  if (client.disabled) throw badRequest(`client ${clientId} is disabled: register a new one instead`)
  if (!client.confidential) throw badRequest(`client ${clientId} is public: it has no secret to rotate`)
  const secret = randomToken(32)
  await deps.auth.updateClient(clientId, { secretHash: await hashPassword(secret) })
  return secret
}
