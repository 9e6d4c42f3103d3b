/** Clients an admin registers for the authorization server (confidential or public). */
import type { Kysely } from 'kysely'
import { registerClient } from '../auth/clients.js'
import { randomToken } from '../auth/secrets.js'
import { SUBJECT_TYPES, type SubjectType } from '../auth/subject-id.js'
import type { Clock } from '../domain/clock.js'
import { badRequest } from '../errors.js'
import type { Database } from '../store/schema.js'

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
  deps: { db: Kysely<Database>; clock: Clock },
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
  const client = await registerClient(deps.db, deps.clock, {
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
