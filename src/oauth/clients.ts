/** Clients an admin registers for the authorization server (confidential or public). */
import type { Kysely } from 'kysely'
import { registerClient } from '../auth/clients.js'
import { randomToken } from '../auth/secrets.js'
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
}

/**
 * Registers a client of kind `registered` with a random id. Returns the id and, for a confidential client,
 * its secret: shown this once, only its hash is stored. Throws bad_request for an unknown grant type, a
 * public client with `client_credentials`, or a redirect URI that is not absolute or has a fragment.
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
  const secret = input.confidential ? randomToken(32) : undefined
  const client = await registerClient(deps.db, deps.clock, {
    name: input.name,
    kind: 'registered',
    secret,
    grantTypes,
    scopes: input.scopes ?? ['openid', 'profile', 'email'],
    redirectUris,
  })
  return { clientId: client.id, clientSecret: secret ?? null }
}
